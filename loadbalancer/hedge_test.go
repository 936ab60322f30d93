package loadbalancer_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/loadbalancer"
)

// sleeper is an instance that answers its name after a delay, or the
// context's error when that comes first, counting its calls and the
// calls whose context was canceled.
type sleeper struct {
	name     string
	delay    func() time.Duration
	calls    atomic.Int64
	canceled atomic.Int64
}

func (s *sleeper) endpoint(ctx context.Context, _ any) (any, error) {
	s.calls.Add(1)
	t := time.NewTimer(s.delay())
	defer t.Stop()
	select {
	case <-t.C:
		return s.name, nil
	case <-ctx.Done():
		s.canceled.Add(1)
		return nil, ctx.Err()
	}
}

func fixedDelay(d time.Duration) func() time.Duration { return func() time.Duration { return d } }

func over(ss ...*sleeper) loadbalancer.FixedEndpointer {
	var eps loadbalancer.FixedEndpointer
	for _, s := range ss {
		eps = append(eps, s.endpoint)
	}
	return eps
}

// generous is a budget that allows a backup for every call.
func generous() *loadbalancer.Budget {
	return loadbalancer.NewBudget(loadbalancer.BudgetSettings{Ratio: 1, MinPerSecond: -1})
}

func TestHedgedBackupWinsAgainstSlowInstance(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		slow := &sleeper{name: "slow", delay: fixedDelay(time.Second)}
		fast := &sleeper{name: "fast", delay: fixedDelay(10 * time.Millisecond)}
		// Round robin picks slow first, then fast as the backup.
		var backups []string
		e := loadbalancer.Hedged(loadbalancer.NewRoundRobin(over(slow, fast)),
			loadbalancer.HedgeSettings{Delay: 50 * time.Millisecond, Budget: generous(),
				OnBackup: func(_ context.Context, instance string) { backups = append(backups, instance) }})
		began := time.Now()
		resp, err := e(loadbalancer.WithIdempotent(context.Background()), nil)
		if err != nil || resp != "fast" {
			t.Fatalf("call = %v, %v; want fast", resp, err)
		}
		if d := time.Since(began); d != 60*time.Millisecond {
			t.Errorf("call took %v, want 60ms: the 50ms delay, then the backup's 10ms", d)
		}
		synctest.Wait() // the loser returns on its canceled context
		if slow.calls.Load() != 1 || fast.calls.Load() != 1 {
			t.Errorf("calls slow=%d fast=%d, want 1 each", slow.calls.Load(), fast.calls.Load())
		}
		if slow.canceled.Load() != 1 {
			t.Errorf("the losing attempt's context was not canceled")
		}
		if !slices.Equal(backups, []string{"1"}) {
			t.Errorf("OnBackup saw %q, want one backup, to instance \"1\" (fast's position)", backups)
		}
	})
}

func TestHedgedNoBackupWhenFirstAnswersInTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a := &sleeper{name: "a", delay: fixedDelay(10 * time.Millisecond)}
		b := &sleeper{name: "b", delay: fixedDelay(10 * time.Millisecond)}
		e := loadbalancer.Hedged(loadbalancer.NewRoundRobin(over(a, b)),
			loadbalancer.HedgeSettings{Delay: 50 * time.Millisecond, Budget: generous()})
		ctx := loadbalancer.WithIdempotent(context.Background())
		for range 100 {
			if _, err := e(ctx, nil); err != nil {
				t.Fatal(err)
			}
		}
		if n := a.calls.Load() + b.calls.Load(); n != 100 {
			t.Errorf("%d attempts for 100 calls answered within the delay, want 100 (no backup)", n)
		}
	})
}

func TestHedgedOnlyIdempotentCalls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		slow := &sleeper{name: "slow", delay: fixedDelay(time.Second)}
		fast := &sleeper{name: "fast", delay: fixedDelay(10 * time.Millisecond)}
		e := loadbalancer.Hedged(loadbalancer.NewRoundRobin(over(slow, fast)),
			loadbalancer.HedgeSettings{Delay: 50 * time.Millisecond, Budget: generous()})
		if resp, err := e(context.Background(), nil); err != nil || resp != "slow" {
			t.Errorf("unmarked call = %v, %v; want slow, without a backup", resp, err)
		}
		if fast.calls.Load() != 0 {
			t.Errorf("an unmarked call was hedged")
		}
		// AllIdempotent hedges unmarked calls too.
		e = loadbalancer.Hedged(loadbalancer.NewRoundRobin(over(slow, fast)),
			loadbalancer.HedgeSettings{Delay: 50 * time.Millisecond, Budget: generous(), AllIdempotent: true})
		if resp, err := e(context.Background(), nil); err != nil || resp != "fast" {
			t.Errorf("with AllIdempotent: %v, %v; want fast", resp, err)
		}
	})
}

func TestHedgedBudgetCapsBackups(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var ss []*sleeper
		for _, n := range []string{"a", "b", "c"} {
			ss = append(ss, &sleeper{name: n, delay: fixedDelay(100 * time.Millisecond)})
		}
		// Every call is slower than the delay: only the budget holds the
		// backups back.
		e := loadbalancer.Hedged(loadbalancer.NewRoundRobin(over(ss...)),
			loadbalancer.HedgeSettings{Delay: 10 * time.Millisecond})
		ctx := loadbalancer.WithIdempotent(context.Background())
		const calls = 1000
		for range calls {
			if _, err := e(ctx, nil); err != nil {
				t.Fatal(err)
			}
		}
		synctest.Wait()
		var attempts int64
		for _, s := range ss {
			attempts += s.calls.Load()
		}
		extra := attempts - calls
		if extra == 0 || float64(extra) > 0.05*calls {
			t.Errorf("%d backups for %d calls, want some and at most 5%% (the default budget)", extra, calls)
		}
		t.Logf("%d backups for %d calls", extra, calls)
	})
}

func TestHedgedErrors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bad := errors.New("bad request")
		var second atomic.Int64
		callerErr := func(context.Context, any) (any, error) {
			return nil, endpoint.WithOutcome(bad, endpoint.Outcome{Kind: endpoint.CallerError})
		}
		other := func(context.Context, any) (any, error) { second.Add(1); return "other", nil }
		e := loadbalancer.Hedged(loadbalancer.NewRoundRobin(loadbalancer.FixedEndpointer{callerErr, other}),
			loadbalancer.HedgeSettings{Delay: 50 * time.Millisecond, Budget: generous()})
		ctx := loadbalancer.WithIdempotent(context.Background())
		began := time.Now()
		if _, err := e(ctx, nil); !errors.Is(err, bad) || time.Since(began) != 0 {
			t.Errorf("a non-retryable first failure: %v after %v, want it at once", err, time.Since(began))
		}
		if second.Load() != 0 {
			t.Errorf("a non-retryable failure was followed by a backup")
		}

		// A retryable failure before the delay: the backup goes at once.
		unavailable := func(context.Context, any) (any, error) { return nil, errors.New("connection refused") }
		e = loadbalancer.Hedged(loadbalancer.NewRoundRobin(loadbalancer.FixedEndpointer{unavailable, other}),
			loadbalancer.HedgeSettings{Delay: 50 * time.Millisecond, Budget: generous()})
		began = time.Now()
		if resp, err := e(ctx, nil); err != nil || resp != "other" || time.Since(began) != 0 {
			t.Errorf("a retryable first failure: %v, %v after %v; want other at once", resp, err, time.Since(began))
		}

		// Both fail: a RetryError with both.
		e = loadbalancer.Hedged(loadbalancer.NewRoundRobin(loadbalancer.FixedEndpointer{unavailable, unavailable}),
			loadbalancer.HedgeSettings{Delay: 50 * time.Millisecond, Budget: generous()})
		var re *loadbalancer.RetryError
		if _, err := e(ctx, nil); !errors.As(err, &re) || len(re.RawErrors) != 2 {
			t.Errorf("both attempts failing: %v, want a RetryError with two attempts", err)
		}

		// The caller gives up: both attempts canceled, its error returned.
		a := &sleeper{name: "a", delay: fixedDelay(time.Second)}
		b := &sleeper{name: "b", delay: fixedDelay(time.Second)}
		e = loadbalancer.Hedged(loadbalancer.NewRoundRobin(over(a, b)),
			loadbalancer.HedgeSettings{Delay: 50 * time.Millisecond, Budget: generous()})
		cctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		defer cancel()
		if _, err := e(cctx, nil); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("caller's deadline: %v, want DeadlineExceeded", err)
		}
		synctest.Wait()
		if a.canceled.Load() != 1 || b.canceled.Load() != 1 {
			t.Errorf("canceled attempts a=%d b=%d, want 1 each", a.canceled.Load(), b.canceled.Load())
		}
	})
}

// TestHedgedTailScenario is "The Tail at Scale" in small: 5 instances, each
// call with a 1% chance of taking 200x the median. Without hedging, p99.9
// is in the tail; hedged with the default settings (after the 98th
// percentile of recent latency, a 5% budget), p99.9 stays under 3x the
// median with at most 5% extra attempts. Round robin and P2C give the same
// figures here, as the tail is per call and not per instance. Time is
// synctest's and the draws seeded, so the run is deterministic and fast.
func TestHedgedTailScenario(t *testing.T) {
	const (
		calls  = 10000
		median = 10 * time.Millisecond
	)
	run := func(t *testing.T, contestant string) (p999 time.Duration, extra float64) {
		var lat []time.Duration
		synctest.Test(t, func(t *testing.T) {
			var mu sync.Mutex
			rng := rand.New(rand.NewPCG(1, 2))
			draw := func() time.Duration {
				mu.Lock()
				defer mu.Unlock()
				d := median/2 + time.Duration(rng.Int64N(int64(median))) // uniform [5ms, 15ms)
				if rng.Float64() < 0.01 {
					d = 200 * median
				}
				return d
			}
			var ss []*sleeper
			var eps loadbalancer.FixedEndpointer
			for range 5 {
				s := &sleeper{delay: draw}
				ss = append(ss, s)
				eps = append(eps, s.endpoint)
			}
			var b loadbalancer.Balancer = loadbalancer.NewRoundRobin(eps)
			if contestant == "hedge+p2c" {
				b = loadbalancer.NewP2C(eps, loadbalancer.P2CSettings{})
			}
			var e endpoint.Endpoint
			if contestant != "no hedge" {
				e = loadbalancer.Hedged(b, loadbalancer.HedgeSettings{}) // the defaults
			} else {
				e = func(ctx context.Context, req any) (any, error) {
					ep, err := b.Endpoint()
					if err != nil {
						return nil, err
					}
					return ep(ctx, req)
				}
			}
			ctx := loadbalancer.WithIdempotent(context.Background())
			for range calls {
				began := time.Now()
				if _, err := e(ctx, nil); err != nil {
					t.Fatal(err)
				}
				lat = append(lat, time.Since(began))
			}
			synctest.Wait()
			var attempts int64
			for _, s := range ss {
				attempts += s.calls.Load()
			}
			extra = float64(attempts-calls) / calls
		})
		slices.Sort(lat)
		return lat[len(lat)*999/1000], extra
	}
	plainP999, _ := run(t, "no hedge")
	t.Logf("no hedge: p99.9 %v (median %v)", plainP999, median)
	if plainP999 < 100*median {
		t.Errorf("without hedging p99.9 = %v, want it in the tail: the scenario is off", plainP999)
	}
	for _, c := range []string{"hedge", "hedge+p2c"} {
		p999, extra := run(t, c)
		t.Logf("%s: p99.9 %v, extra attempts %.2f%%", c, p999, 100*extra)
		if p999 >= 3*median {
			t.Errorf("%s: p99.9 = %v, want under 3x the median (%v)", c, p999, 3*median)
		}
		if extra > 0.05 {
			t.Errorf("%s: %.2f%% extra attempts, want at most 5%%", c, 100*extra)
		}
	}
}

func BenchmarkHedged(b *testing.B) {
	ok := func(context.Context, any) (any, error) { return "ok", nil }
	e := loadbalancer.Hedged(loadbalancer.NewRoundRobin(loadbalancer.FixedEndpointer{ok, ok, ok}), loadbalancer.HedgeSettings{})
	for _, bc := range []struct {
		name string
		ctx  context.Context
	}{
		{"not_idempotent", context.Background()},
		{"idempotent", loadbalancer.WithIdempotent(context.Background())},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := e(bc.ctx, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// Hedged sends a backup attempt to another instance when the first has not
// answered after the delay; the first answer wins.
func ExampleHedged() {
	slow := func(ctx context.Context, _ any) (any, error) {
		select {
		case <-time.After(time.Second):
			return "slow", nil
		case <-ctx.Done(): // canceled when the backup wins
			return nil, ctx.Err()
		}
	}
	fast := func(context.Context, any) (any, error) { return "fast", nil }
	b := loadbalancer.NewRoundRobin(loadbalancer.FixedEndpointer{slow, fast})
	e := loadbalancer.Hedged(b, loadbalancer.HedgeSettings{
		Delay:  10 * time.Millisecond, // or a Percentile of recent latency
		Budget: loadbalancer.NewBudget(loadbalancer.BudgetSettings{Ratio: 0.05}),
	})
	// Only calls marked idempotent are hedged.
	resp, err := e(loadbalancer.WithIdempotent(context.Background()), nil)
	fmt.Println(resp, err)
	// Output: fast <nil>
}

func TestHedgedNeverBackupToTheSameInstance(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		only := &sleeper{name: "only", delay: fixedDelay(100 * time.Millisecond)}
		budget := generous()
		e := loadbalancer.Hedged(loadbalancer.NewRoundRobin(over(only)),
			loadbalancer.HedgeSettings{Delay: 10 * time.Millisecond, Budget: budget})
		if resp, err := e(loadbalancer.WithIdempotent(context.Background()), nil); err != nil || resp != "only" {
			t.Fatalf("call = %v, %v", resp, err)
		}
		if n := only.calls.Load(); n != 1 {
			t.Errorf("%d attempts on the single instance, want 1: no backup to the same instance", n)
		}
		// The budget was not spent on a backup that was not sent.
		if !budget.TryWithdraw() {
			t.Errorf("the budget was charged for a backup not sent")
		}
	})
}

// TestHedgedConcurrent runs many callers at once through one Hedged
// endpoint in percentile mode (under -race, the latency window and the
// budget are shared): every call is answered, and backups stay within the
// budget.
func TestHedgedConcurrent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		rng := rand.New(rand.NewPCG(3, 4))
		draw := func() time.Duration {
			mu.Lock()
			defer mu.Unlock()
			return time.Millisecond + time.Duration(rng.Int64N(int64(10*time.Millisecond)))
		}
		var ss []*sleeper
		for range 4 {
			ss = append(ss, &sleeper{delay: draw})
		}
		e := loadbalancer.Hedged(loadbalancer.NewP2C(over(ss...), loadbalancer.P2CSettings{}), loadbalancer.HedgeSettings{})
		ctx := loadbalancer.WithIdempotent(context.Background())
		const callers, each = 8, 250
		var wg sync.WaitGroup
		var failed atomic.Int64
		for range callers {
			wg.Go(func() {
				for range each {
					if _, err := e(ctx, nil); err != nil {
						failed.Add(1)
					}
				}
			})
		}
		wg.Wait()
		synctest.Wait()
		if failed.Load() != 0 {
			t.Errorf("%d calls failed, want none", failed.Load())
		}
		var attempts int64
		for _, s := range ss {
			attempts += s.calls.Load()
		}
		if extra := attempts - callers*each; extra <= 0 || float64(extra) > 0.05*callers*each {
			t.Errorf("%d backups for %d calls, want some and at most 5%%", extra, callers*each)
		}
	})
}

func TestHedgedNoEndpoints(t *testing.T) {
	e := loadbalancer.Hedged(loadbalancer.NewRoundRobin(loadbalancer.FixedEndpointer{}), loadbalancer.HedgeSettings{Delay: time.Millisecond})
	for _, ctx := range []context.Context{context.Background(), loadbalancer.WithIdempotent(context.Background())} {
		if _, err := e(ctx, nil); !errors.Is(err, loadbalancer.ErrNoEndpoints) {
			t.Errorf("no endpoints: %v, want ErrNoEndpoints", err)
		}
	}
}
