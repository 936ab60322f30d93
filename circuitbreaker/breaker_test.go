package circuitbreaker_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/endpointkit/kit/circuitbreaker"
	"github.com/endpointkit/kit/endpoint"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// feed reports n calls with outcome o, each admitted and finished at now.
func feed(t *testing.T, b *circuitbreaker.Breaker, now time.Time, n int, o endpoint.Outcome) {
	t.Helper()
	for range n {
		tk, err := b.AllowAt(now)
		if err != nil {
			t.Fatalf("AllowAt: %v", err)
		}
		b.DoneAt(tk, now, o)
	}
}

func TestBreakerOpensOnFailureRatio(t *testing.T) {
	b := circuitbreaker.NewBreaker(circuitbreaker.Settings{MinRequests: 20, FailureRatio: 0.25})
	// 14 successes and 5 failures: 19 calls, under the minimum volume.
	feed(t, b, t0, 14, success)
	feed(t, b, t0, 5, failure)
	if got := b.State(t0); got != circuitbreaker.Closed {
		t.Fatalf("State after 19 calls = %v, want closed (below MinRequests)", got)
	}
	// The 20th call, a success, makes 5/20 = 25%: at the ratio, but only a
	// failure can raise a ratio, so only a failure is checked...
	feed(t, b, t0, 1, success)
	if got := b.State(t0); got != circuitbreaker.Closed {
		t.Fatalf("State after a success = %v, want closed", got)
	}
	// ...and the next one opens it: 6/21 > 25%.
	feed(t, b, t0, 1, failure)
	if got := b.State(t0); got != circuitbreaker.Open {
		t.Fatalf("State after 6/21 failures = %v, want open", got)
	}
	if _, err := b.AllowAt(t0.Add(time.Second)); !errors.Is(err, circuitbreaker.ErrOpen) {
		t.Errorf("AllowAt while open: err = %v, want ErrOpen", err)
	}
}

func TestBreakerWindowForgetsOldFailures(t *testing.T) {
	b := circuitbreaker.NewBreaker(circuitbreaker.Settings{Window: 10 * time.Second, Buckets: 10, MinRequests: 10})
	feed(t, b, t0, 9, failure)
	// 11 seconds later the nine failures have left the window: ten more
	// calls with four failures stay under 50%.
	later := t0.Add(11 * time.Second)
	feed(t, b, later, 6, success)
	feed(t, b, later, 4, failure)
	if got := b.State(later); got != circuitbreaker.Closed {
		t.Errorf("State = %v, want closed: failures older than the window must not count", got)
	}
}

func TestBreakerIgnoresIgnoredOutcomes(t *testing.T) {
	b := circuitbreaker.NewBreaker(circuitbreaker.Settings{MinRequests: 5})
	feed(t, b, t0, 100, ignore)
	feed(t, b, t0, 4, failure)
	if got := b.State(t0); got != circuitbreaker.Closed {
		t.Errorf("State after 100 ignored and 4 failed = %v, want closed (4 < MinRequests)", got)
	}
}

func TestBreakerSlowCalls(t *testing.T) {
	b := circuitbreaker.NewBreaker(circuitbreaker.Settings{MinRequests: 10, SlowCall: 100 * time.Millisecond, SlowCallRatio: 0.5})
	for i := range 10 {
		tk, err := b.AllowAt(t0)
		if err != nil {
			t.Fatalf("call %d: AllowAt: %v", i, err)
		}
		d := 10 * time.Millisecond
		if i%2 == 1 { // the last call is slow, and brings the volume to 10
			d = 200 * time.Millisecond
		}
		b.DoneAt(tk, t0.Add(d), success)
	}
	if got := b.State(t0.Add(time.Second)); got != circuitbreaker.Open {
		t.Errorf("State after 5 slow of 10 = %v, want open", got)
	}
}

func TestBreakerHalfOpenProbes(t *testing.T) {
	for _, tc := range []struct {
		name     string
		outcomes []endpoint.Outcome
		want     circuitbreaker.State
	}{
		{"all probes succeed", []endpoint.Outcome{success, success, success}, circuitbreaker.Closed},
		{"last probe fails", []endpoint.Outcome{success, success, failure}, circuitbreaker.Open},
		{"ignored probe is given back", []endpoint.Outcome{success, ignore, success}, circuitbreaker.HalfOpen},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := circuitbreaker.NewBreaker(circuitbreaker.Settings{MinRequests: 1, OpenFor: time.Second, Probes: 3})
			feed(t, b, t0, 1, failure)
			if _, err := b.AllowAt(t0.Add(999 * time.Millisecond)); !errors.Is(err, circuitbreaker.ErrOpen) {
				t.Fatalf("AllowAt before OpenFor elapsed: err = %v, want ErrOpen", err)
			}
			at := t0.Add(time.Second)
			var tickets []circuitbreaker.Ticket
			for i := range 3 {
				tk, err := b.AllowAt(at)
				if err != nil {
					t.Fatalf("probe %d: AllowAt: %v", i, err)
				}
				tickets = append(tickets, tk)
			}
			if _, err := b.AllowAt(at); !errors.Is(err, circuitbreaker.ErrOpen) {
				t.Fatalf("4th call while half-open: err = %v, want ErrOpen", err)
			}
			for i, o := range tc.outcomes {
				b.DoneAt(tickets[i], at, o)
			}
			if got := b.State(at); got != tc.want {
				t.Errorf("State = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestBreakerDropsStaleResults(t *testing.T) {
	b := circuitbreaker.NewBreaker(circuitbreaker.Settings{MinRequests: 1, OpenFor: time.Second, Probes: 1})
	stale, _ := b.AllowAt(t0)
	feed(t, b, t0, 1, failure) // opens
	at := t0.Add(time.Second)
	probe, err := b.AllowAt(at)
	if err != nil {
		t.Fatalf("probe AllowAt: %v", err)
	}
	b.DoneAt(probe, at, success) // closes
	b.DoneAt(stale, at, failure) // from the old closed period
	if got := b.State(at); got != circuitbreaker.Closed {
		t.Errorf("State after a stale failure = %v, want closed", got)
	}
}

func TestBreakerHooksOutsideLock(t *testing.T) {
	var b *circuitbreaker.Breaker
	var got []string
	g := &recGauge{}
	b = circuitbreaker.NewBreaker(circuitbreaker.Settings{MinRequests: 1, OpenFor: time.Second, Probes: 1},
		circuitbreaker.BreakerStateGauge(g),
		circuitbreaker.BreakerStateChange(func(from, to circuitbreaker.State) {
			// Calling back into the breaker would deadlock under its lock.
			_ = b.State(t0)
			got = append(got, from.String()+">"+to.String())
		}))
	feed(t, b, t0, 1, failure)
	feed(t, b, t0.Add(time.Second), 1, success)
	want := []string{"closed>open", "open>half-open", "half-open>closed"}
	if len(got) != len(want) {
		t.Fatalf("state changes = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("state change %d = %s, want %s", i, got[i], want[i])
		}
	}
	wantG := []float64{0, 2, 1, 0}
	if len(g.vals) != len(wantG) {
		t.Fatalf("gauge values = %v, want %v", g.vals, wantG)
	}
	for i := range wantG {
		if g.vals[i] != wantG[i] {
			t.Errorf("gauge value %d = %v, want %v", i, g.vals[i], wantG[i])
		}
	}
}

// The middleware reads time.Now; the bubble's fake clock moves only when
// the test sleeps.
func TestBreakerMiddlewareClassifies(t *testing.T) { synctest.Test(t, testBreakerMiddlewareClassifies) }

func testBreakerMiddlewareClassifies(t *testing.T) {
	b := circuitbreaker.NewBreaker(circuitbreaker.Settings{MinRequests: 5})
	var fail error
	e := b.Middleware(func(ctx context.Context, req any) (any, error) {
		if fail != nil {
			return nil, fail
		}
		return failerResp{errors.New("no such user")}, nil
	})
	// Business errors and canceled callers do not trip the breaker.
	for range 50 {
		if _, err := e(context.Background(), nil); err != nil {
			t.Fatalf("call with a business error: err = %v", err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	fail = context.Canceled
	for range 50 {
		e(ctx, nil)
	}
	if got := b.State(time.Now()); got != circuitbreaker.Closed {
		t.Fatalf("State after business errors and cancellations = %v, want closed", got)
	}
	// Real failures do: 50 successes + 50 failures is 50%.
	fail = errors.New("connection refused")
	for range 50 {
		e(context.Background(), nil)
	}
	if _, err := e(context.Background(), nil); !errors.Is(err, circuitbreaker.ErrOpen) {
		t.Errorf("call after 50%% failures: err = %v, want ErrOpen", err)
	}
	time.Sleep(5 * time.Second)
	fail = nil
	for range 5 {
		if _, err := e(context.Background(), nil); err != nil {
			t.Fatalf("probe after OpenFor: err = %v", err)
		}
	}
	if got := b.State(time.Now()); got != circuitbreaker.Closed {
		t.Errorf("State after 5 good probes = %v, want closed", got)
	}
}

func TestBreakerMiddlewarePanicReturnsProbe(t *testing.T) {
	synctest.Test(t, testBreakerMiddlewarePanicReturnsProbe)
}

func testBreakerMiddlewarePanicReturnsProbe(t *testing.T) {
	b := circuitbreaker.NewBreaker(circuitbreaker.Settings{MinRequests: 1, Probes: 1, OpenFor: time.Second})
	feed(t, b, time.Now(), 1, failure) // opens
	time.Sleep(time.Second)
	e := b.Middleware(func(context.Context, any) (any, error) { panic("boom") })
	func() {
		defer func() { recover() }()
		e(context.Background(), nil)
	}()
	// The panicking probe counted as a failure: open again, not stuck
	// half-open waiting for a probe that will never report.
	if got := b.State(time.Now()); got != circuitbreaker.Open {
		t.Errorf("State after a panicking probe = %v, want open", got)
	}
	time.Sleep(time.Second)
	if _, err := b.Middleware(endpoint.Nop)(context.Background(), nil); err != nil {
		t.Errorf("probe after the next open period: err = %v, want nil", err)
	}
}

// TestBreakerConcurrent hammers a Breaker from 8 goroutines through
// failure spells (it opens), quiet spells (it half-opens and probes) and
// recoveries, and checks the invariants: every call is either let through
// with a ticket or refused with ErrOpen, so the two counts add up to the
// calls made; every state change reported is a legal one; the breaker did
// open and refuse; and after the load, successes close it.
func TestBreakerConcurrent(t *testing.T) {
	var (
		mu          sync.Mutex
		transitions = map[[2]circuitbreaker.State]int{}
	)
	b := circuitbreaker.NewBreaker(circuitbreaker.Settings{Window: 200 * time.Millisecond, Buckets: 10, MinRequests: 10, OpenFor: 20 * time.Millisecond},
		circuitbreaker.BreakerStateChange(func(from, to circuitbreaker.State) {
			mu.Lock()
			transitions[[2]circuitbreaker.State{from, to}]++
			mu.Unlock()
		}))
	const goroutines, calls = 8, 2000
	var allowed, refused, other atomic.Int64
	var wg sync.WaitGroup
	for range goroutines {
		wg.Go(func() {
			for i := range calls {
				now := t0.Add(time.Duration(i) * time.Millisecond)
				tk, err := b.AllowAt(now)
				switch {
				case errors.Is(err, circuitbreaker.ErrOpen):
					refused.Add(1)
					continue
				case err != nil:
					other.Add(1)
					continue
				}
				allowed.Add(1)
				// Failure spells of 100ms every 250ms: enough to open
				// (half the 200ms window and more fail).
				o := success
				if i%250 < 100 {
					o = failure
				}
				b.DoneAt(tk, now, o)
			}
		})
	}
	wg.Wait()

	if n := other.Load(); n != 0 {
		t.Errorf("%d calls failed with an error other than ErrOpen", n)
	}
	if got := allowed.Load() + refused.Load(); got != goroutines*calls {
		t.Errorf("allowed %d + refused %d = %d, want the %d calls made", allowed.Load(), refused.Load(), got, goroutines*calls)
	}
	if refused.Load() == 0 || allowed.Load() == 0 {
		t.Errorf("allowed %d, refused %d: want both, the breaker opening in the failure spells", allowed.Load(), refused.Load())
	}
	legal := map[[2]circuitbreaker.State]bool{
		{circuitbreaker.Closed, circuitbreaker.Open}:     true,
		{circuitbreaker.Open, circuitbreaker.HalfOpen}:   true,
		{circuitbreaker.HalfOpen, circuitbreaker.Closed}: true,
		{circuitbreaker.HalfOpen, circuitbreaker.Open}:   true,
	}
	mu.Lock()
	for tr, n := range transitions {
		if !legal[tr] {
			t.Errorf("state change %v -> %v reported %d times: not a legal transition", tr[0], tr[1], n)
		}
	}
	opened := transitions[[2]circuitbreaker.State{circuitbreaker.Closed, circuitbreaker.Open}]
	mu.Unlock()
	if opened == 0 {
		t.Errorf("state changes %v: want at least one Closed -> Open", transitions)
	}
	// Quiet: successes after OpenFor close it, whatever state it was left in.
	end := t0.Add(calls * time.Millisecond)
	for i := range 50 {
		now := end.Add(time.Duration(i) * time.Millisecond)
		if tk, err := b.AllowAt(now); err == nil {
			b.DoneAt(tk, now, success)
		}
	}
	if st := b.State(end.Add(time.Second)); st != circuitbreaker.Closed {
		t.Errorf("after the load and 50 successes: State = %v, want closed", st)
	}
}

func TestBreakerWindowSlides(t *testing.T) {
	for _, tc := range []struct {
		name string
		at   time.Duration // of the last failure
		want circuitbreaker.State
	}{
		{"first bucket still in the window", 9500 * time.Millisecond, circuitbreaker.Open},
		{"first bucket slid out", 10500 * time.Millisecond, circuitbreaker.Closed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := circuitbreaker.NewBreaker(circuitbreaker.Settings{Window: 10 * time.Second, Buckets: 10, MinRequests: 10, FailureRatio: 0.6})
			start := t0.Truncate(time.Second)
			feed(t, b, start, 6, failure)
			feed(t, b, start.Add(5*time.Second), 4, success)
			feed(t, b, start.Add(tc.at), 1, failure)
			// In: 7 failed of 11 (64%). Out: 1 of 5, under MinRequests.
			if got := b.State(start.Add(tc.at)); got != tc.want {
				t.Errorf("State = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestBreakerCountsConcurrentSuccesses(t *testing.T) {
	// Successes are counted without the lock, in stripes of the window:
	// none may be lost. 800 successes from 8 goroutines, then failures at
	// the same instant: 799 of 1599 stay under 50%, the 800th reaches it.
	b := circuitbreaker.NewBreaker(circuitbreaker.Settings{MinRequests: 20})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				tk, err := b.AllowAt(t0)
				if err != nil {
					t.Errorf("AllowAt: %v", err)
					return
				}
				b.DoneAt(tk, t0, success)
			}
		})
	}
	wg.Wait()
	feed(t, b, t0, 799, failure)
	if got := b.State(t0); got != circuitbreaker.Closed {
		t.Fatalf("State after 799 failures of 1599 = %v, want closed (a success was lost)", got)
	}
	feed(t, b, t0, 1, failure)
	if got := b.State(t0); got != circuitbreaker.Open {
		t.Errorf("State after 800 failures of 1600 = %v, want open", got)
	}
}

func TestBreakerInstantsBefore1970(t *testing.T) {
	// Instants before the Unix epoch (a zero time.Time included) count in
	// one bucket rather than panicking on a negative index.
	for _, at := range []time.Time{{}, time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC)} {
		b := circuitbreaker.NewBreaker(circuitbreaker.Settings{MinRequests: 10})
		feed(t, b, at, 10, success)
		feed(t, b, at, 10, failure)
		if got := b.State(at); got != circuitbreaker.Open {
			t.Errorf("State at %v after 10 failures of 20 = %v, want open", at, got)
		}
	}
}
