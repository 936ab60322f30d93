package redis_test

import (
	"context"
	"errors"

	"math"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/metrics"
	"github.com/endpointkit/kit/ratelimit"
	kitredis "github.com/endpointkit/kit/ratelimit/redis"
)

func TestNewLimiterRejectsBadSettings(t *testing.T) {
	for _, tc := range []struct {
		name string
		s    kitredis.Settings
	}{
		{"zero rate", kitredis.Settings{}},
		{"negative rate", kitredis.Settings{Rate: -1}},
		{"NaN rate", kitredis.Settings{Rate: math.NaN()}},
		{"infinite rate", kitredis.Settings{Rate: math.Inf(1)}},
		{"negative burst", kitredis.Settings{Rate: 1, Burst: -1}},
		{"fallback without limiter", kitredis.Settings{Rate: 1, OnError: kitredis.FallBack}},
		{"unknown policy", kitredis.Settings{Rate: 1, OnError: 7}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := kitredis.NewLimiter(nil, "k", tc.s); err == nil {
				t.Errorf("NewLimiter(%+v): err = nil, want an error", tc.s)
			}
		})
	}
}

func TestLimiterBurstThenRefuses(t *testing.T) {
	srv := startRedis(t)
	c := srv.client(t)
	// One event an hour, in bursts of 3: exactly three pass now.
	lim, err := kitredis.NewLimiter(c, "test:burst", kitredis.Settings{Rate: 1.0 / 3600, Burst: 3})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := range 3 {
		if ok, _, err := lim.Decide(ctx); !ok || err != nil {
			t.Fatalf("Decide %d = (%v, %v), want allowed", i, ok, err)
		}
	}
	ok, retry, err := lim.Decide(ctx)
	if ok || err != nil {
		t.Fatalf("Decide 4 = (%v, %v), want refused", ok, err)
	}
	if retry < 59*time.Minute || retry > time.Hour {
		t.Errorf("retry after = %v, want just under 1h", retry)
	}
	// The key expires when the limit is full again: about 3h from now.
	ttl, err := c.PTTL(ctx, "test:burst").Result()
	if err != nil || ttl < 2*time.Hour || ttl > 3*time.Hour {
		t.Errorf("PTTL = (%v, %v), want within (2h, 3h]", ttl, err)
	}
	e := lim.Middleware(endpoint.Nop)
	if _, err := e(ctx, nil); !errors.Is(err, ratelimit.ErrLimited) {
		t.Errorf("Middleware call: err = %v, want ErrLimited", err)
	}
}

// TestLimiterSharedAccuracy runs four instances, each with its own client,
// against one key; one instance offers three times the load of the others.
// Together they must admit the configured rate within ±2%.
func TestLimiterSharedAccuracy(t *testing.T) {
	if testing.Short() {
		t.Skip("runs for 2s")
	}
	srv := startRedis(t)
	const (
		rate = 400.0 // per second
		// A burst of 1s of traffic: after it is spent, a stall of the
		// test's goroutines or of redis-server (a loaded machine, the
		// race detector) shorter than that loses no slot, as the callers
		// catch up afterwards. (250ms was not enough on a machine at a
		// load average of 15.)
		burst  = 400
		window = 2 * time.Second
	)
	type instance struct {
		lim      *kitredis.Limiter
		workers  int
		admitted atomic.Int64
		offered  atomic.Int64
	}
	var insts []*instance
	for i := range 4 {
		lim, err := kitredis.NewLimiter(srv.client(t), "test:shared", kitredis.Settings{Rate: rate, Burst: burst})
		if err != nil {
			t.Fatal(err)
		}
		workers := 1
		if i == 0 {
			workers = 3
		}
		insts = append(insts, &instance{lim: lim, workers: workers})
	}
	ctx := context.Background()
	// Spend the burst first, so the window measures the rate alone. (With
	// burst 1, GCRA forgives no lateness and admits a little under the
	// rate.) Slots accrue while it is spent, so the bound is on time.
	//
	// The window runs from the first refusal before it to the last
	// refusal after it: a refusal means every slot accrued so far was
	// taken, so a stall of the test's goroutines or of redis-server, even
	// at the very end, costs no slot and the count is exact to within the
	// jitter of a round trip. Each instant is taken before the refused
	// call is sent, on both sides.
	var start time.Time
	spend := time.Now()
	for i := 0; ; i++ {
		start = time.Now()
		ok, _, err := insts[0].lim.Decide(ctx)
		if err != nil || time.Since(spend) > 5*time.Second {
			t.Fatalf("spending the burst: Decide = (%v, %v) after %d calls", ok, err, i)
		}
		if !ok {
			break
		}
	}
	end := start.Add(window)
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		lastRef time.Time // the latest refusal after end
	)
	for _, in := range insts {
		for range in.workers {
			wg.Go(func() {
				for {
					sent := time.Now()
					ok, _, err := in.lim.Decide(ctx)
					if err != nil {
						t.Errorf("Decide: %v", err)
						return
					}
					in.offered.Add(1)
					if ok {
						in.admitted.Add(1)
						continue
					}
					if sent.After(end) {
						mu.Lock()
						if sent.After(lastRef) {
							lastRef = sent
						}
						mu.Unlock()
						return
					}
				}
			})
		}
	}
	wg.Wait()
	elapsed := lastRef.Sub(start)
	var admitted, offered int64
	for i, in := range insts {
		admitted += in.admitted.Load()
		offered += in.offered.Load()
		t.Logf("instance %d (%d workers): offered %d, admitted %d", i, in.workers, in.offered.Load(), in.admitted.Load())
	}
	want := rate * elapsed.Seconds()
	if float64(offered) < 2*want {
		t.Fatalf("offered %d in %v, want at least twice the rate (%.0f) for the test to mean something", offered, elapsed, 2*want)
	}
	if dev := math.Abs(float64(admitted)-want) / want; dev > 0.02 {
		t.Errorf("admitted %d in %v, want %.0f ±2%% (off by %.2f%%)", admitted, elapsed, want, 100*dev)
	}
	t.Logf("admitted %d in %v: %.1f/s for a limit of %.0f/s", admitted, elapsed, float64(admitted)/elapsed.Seconds(), rate)
}

// TestLimiterUnreachable stops the real Redis in the middle of each subtest
// and checks that the chosen policy is applied, then restarts it and checks
// that decisions come from Redis again.
func TestLimiterUnreachable(t *testing.T) {
	var fallbackCalls atomic.Int64
	fallback := ratelimit.AllowerFunc(func() bool { return fallbackCalls.Add(1)%2 == 1 }) // every other call
	for _, tc := range []struct {
		name   string
		policy kitredis.Policy
		// check inspects the errors of 4 calls made while Redis is down.
		check func(t *testing.T, errs []error)
	}{
		{"fail closed", kitredis.FailClosed, func(t *testing.T, errs []error) {
			for i, err := range errs {
				if !errors.Is(err, ratelimit.ErrLimited) || !errors.Is(err, kitredis.ErrUnavailable) {
					t.Errorf("call %d: err = %v, want ErrLimited and ErrUnavailable", i, err)
				}
			}
		}},
		{"fail open", kitredis.FailOpen, func(t *testing.T, errs []error) {
			for i, err := range errs {
				if err != nil {
					t.Errorf("call %d: err = %v, want nil", i, err)
				}
			}
		}},
		{"fall back", kitredis.FallBack, func(t *testing.T, errs []error) {
			for i, err := range errs {
				if wantOK := i%2 == 0; (err == nil) != wantOK {
					t.Errorf("call %d: err = %v, want allowed=%v as the local limiter decided", i, err, wantOK)
				}
			}
			if got := fallbackCalls.Load(); got != 4 {
				t.Errorf("fallback asked %d times, want 4", got)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fallbackCalls.Store(0)
			srv := startRedis(t)
			errCount := &counter{}
			// One event an hour, bursts of 1: Redis refuses every call
			// after the first, so a pass while it is down is the policy's.
			lim, err := kitredis.NewLimiter(srv.client(t), "test:down", kitredis.Settings{
				Rate: 1.0 / 3600, OnError: tc.policy, Fallback: fallback,
			}, kitredis.LimiterErrors(errCount))
			if err != nil {
				t.Fatal(err)
			}
			e := lim.Middleware(endpoint.Nop)
			ctx := context.Background()
			if _, err := e(ctx, nil); err != nil {
				t.Fatalf("first call with Redis up: %v", err)
			}
			if _, err := e(ctx, nil); !errors.Is(err, ratelimit.ErrLimited) || errors.Is(err, kitredis.ErrUnavailable) {
				t.Fatalf("second call with Redis up: err = %v, want ErrLimited from Redis", err)
			}

			srv.stop()
			var errs []error
			for range 4 {
				_, err := e(ctx, nil)
				errs = append(errs, err)
			}
			tc.check(t, errs)
			if got := errCount.value(); got != 4 {
				t.Errorf("error counter = %v, want 4", got)
			}

			// Back up (empty: persistence is off): Redis decides again.
			srv.start()
			if _, err := e(ctx, nil); err != nil {
				t.Errorf("first call after restart: err = %v, want nil (fresh limit)", err)
			}
			if _, err := e(ctx, nil); !errors.Is(err, ratelimit.ErrLimited) || errors.Is(err, kitredis.ErrUnavailable) {
				t.Errorf("second call after restart: err = %v, want ErrLimited from Redis", err)
			}
		})
	}
}

func TestLimiterCallerCancellation(t *testing.T) {
	srv := startRedis(t)
	lim, err := kitredis.NewLimiter(srv.client(t), "test:cancel", kitredis.Settings{Rate: 10, OnError: kitredis.FailOpen})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := lim.AllowContext(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("AllowContext with a canceled ctx: err = %v, want context.Canceled (not the fail-open policy)", err)
	}
}

func BenchmarkLimiter(b *testing.B) {
	srv := startRedis(b)
	lim, err := kitredis.NewLimiter(srv.client(b), "bench", kitredis.Settings{Rate: 1e6, Burst: 1000})
	if err != nil {
		b.Fatal(err)
	}
	e := lim.Middleware(endpoint.Nop)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		e(ctx, nil)
	}
}

// counter is a real, minimal Counter.
type counter struct {
	mu sync.Mutex
	v  float64
}

func (c *counter) With(...string) metrics.Counter { return c }
func (c *counter) Add(d float64)                  { c.mu.Lock(); c.v += d; c.mu.Unlock() }
func (c *counter) value() float64                 { c.mu.Lock(); defer c.mu.Unlock(); return c.v }

// TestLimiterHungRedis stops the real Redis with SIGSTOP (it keeps its
// socket but answers nothing) and checks that every decision still ends
// within Settings.Timeout, or the caller's earlier deadline, and applies the
// policy, whatever the client's own timeouts: the client here is built with
// go-redis's defaults, as the package doc shows, whose 3s read timeout and
// retries would hold each call for seconds.
func TestLimiterHungRedis(t *testing.T) {
	const timeout = 250 * time.Millisecond
	srv := startRedis(t)
	client := goredis.NewClient(&goredis.Options{Addr: srv.addr()})
	t.Cleanup(func() { client.Close() })
	newLimiter := func(p kitredis.Policy, fb ratelimit.Allower) *kitredis.Limiter {
		t.Helper()
		// One event an hour: Redis refuses all calls after the first, so
		// a pass while it is hung is the policy's.
		lim, err := kitredis.NewLimiter(client, "test:hung:"+strconv.Itoa(int(p)), kitredis.Settings{
			Rate: 1.0 / 3600, Timeout: timeout, OnError: p, Fallback: fb,
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := lim.AllowContext(context.Background()); err != nil {
			t.Fatalf("first call with Redis up: %v", err)
		}
		return lim
	}
	var fallbackCalls atomic.Int64
	open := newLimiter(kitredis.FailOpen, nil)
	closed := newLimiter(kitredis.FailClosed, nil)
	back := newLimiter(kitredis.FallBack, ratelimit.AllowerFunc(func() bool { fallbackCalls.Add(1); return true }))

	big := goredis.NewClient(&goredis.Options{Addr: srv.addr(), PoolSize: 300})
	t.Cleanup(func() { big.Close() })
	piled, err := kitredis.NewLimiter(big, "test:hung:piled", kitredis.Settings{Rate: 1, Timeout: timeout, OnError: kitredis.FailOpen})
	if err != nil {
		t.Fatal(err)
	}
	var warm sync.WaitGroup
	for range 150 {
		warm.Go(func() {
			// Hold a connection each for 1s (the least BLPOP takes) (a blocking pop of an
			// empty list), so that the pool opens 150.
			if err := big.BLPop(context.Background(), time.Second, "test:warm").Err(); err != nil && !errors.Is(err, goredis.Nil) {
				t.Errorf("warming the pool: %v", err)
			}
		})
	}
	warm.Wait()

	srv.pause()
	within := func(name string, limit time.Duration, call func() error) error {
		t.Helper()
		start := time.Now()
		err := call()
		if took := time.Since(start); took > limit {
			t.Errorf("%s with Redis hung took %v, want at most %v", name, took, limit)
		}
		return err
	}
	bound := timeout * 12 / 10
	ctx := context.Background()
	if err := within("FailOpen AllowContext", bound, func() error { return open.AllowContext(ctx) }); err != nil {
		t.Errorf("FailOpen AllowContext with Redis hung: err = %v, want nil", err)
	}
	if err := within("FailClosed AllowContext", bound, func() error { return closed.AllowContext(ctx) }); !errors.Is(err, kitredis.ErrUnavailable) {
		t.Errorf("FailClosed AllowContext with Redis hung: err = %v, want ErrUnavailable", err)
	}
	if err := within("FallBack AllowContext", bound, func() error { return back.AllowContext(ctx) }); err != nil || fallbackCalls.Load() != 1 {
		t.Errorf("FallBack AllowContext with Redis hung: err = %v, fallback asked %d times; want nil and 1", err, fallbackCalls.Load())
	}
	// The caller's deadline, shorter than Timeout, bounds the decision too,
	// and is the caller's error rather than Redis's.
	// (The bound leaves 50ms for a loaded machine, and stays under
	// Timeout.)
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if err := within("AllowContext with a 100ms deadline", 170*time.Millisecond,
		func() error { return open.AllowContext(short) }); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("AllowContext with a 100ms deadline and Redis hung: err = %v, want context.DeadlineExceeded", err)
	}
	// Many concurrent callers are all bounded alike: none queues behind
	// another's abandoned call.
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			if err := within("concurrent FailOpen AllowContext", 2*bound, func() error { return open.AllowContext(ctx) }); err != nil {
				t.Errorf("concurrent FailOpen AllowContext: err = %v, want nil", err)
			}
		})
	}
	wg.Wait()
	// With many connections open before the hang (a busy service's pool),
	// abandoned calls pile up on the hung Redis until the client's 3s read
	// timeout (calls queued for a connection, or dialing one, end with
	// their context). Past 128 of them, a decision fails at once, without
	// sending another.
	for range 150 {
		wg.Go(func() { piled.AllowContext(ctx) })
	}
	wg.Wait()
	if err := within("FailOpen AllowContext with 128 calls pending", 50*time.Millisecond, func() error { return piled.AllowContext(ctx) }); err != nil {
		t.Errorf("FailOpen AllowContext with 128 calls pending: err = %v, want nil", err)
	}

	srv.resume()
	// Back: Redis decides again (it refuses, the hour's event is spent).
	deadline := time.Now().Add(10 * time.Second)
	for {
		ok, _, err := open.Decide(ctx)
		if err == nil {
			if ok {
				t.Errorf("Decide after SIGCONT = allowed, want refused by Redis")
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Decide after SIGCONT still failing after 10s: %v", err)
		}
	}
}
