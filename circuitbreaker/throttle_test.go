package circuitbreaker_test

import (
	"context"
	"errors"
	"math"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/endpointkit/kit/circuitbreaker"
)

func TestThrottleProbability(t *testing.T) {
	for _, tc := range []struct {
		name              string
		requests, accepts int
		k                 float64
		want              float64
	}{
		{"no traffic", 0, 0, 2, 0},
		{"all accepted", 100, 100, 2, 0},
		{"half accepted, K=2", 100, 50, 2, 0},
		{"quarter accepted, K=2", 100, 25, 2, 50.0 / 101},
		{"none accepted, K=2, capped", 100, 0, 2, 0.9},
		{"half accepted, K=1.1", 100, 50, 1.1, 45.0 / 101},
	} {
		t.Run(tc.name, func(t *testing.T) {
			th := circuitbreaker.NewThrottle(circuitbreaker.ThrottleSettings{K: tc.k},
				circuitbreaker.ThrottleRandom(func() float64 { return 0.999999 })) // never reject
			for i := range tc.requests {
				if err := th.AllowAt(t0); err != nil {
					t.Fatalf("AllowAt: %v", err)
				}
				o := failure
				if i < tc.accepts {
					o = success
				}
				th.DoneAt(t0, o)
			}
			if got := th.RejectProbability(t0); math.Abs(got-tc.want) > 1e-9 {
				t.Errorf("RejectProbability = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestThrottleRejectsAndRecovers(t *testing.T) {
	var changes []string
	g := &recGauge{}
	draw := 0.5
	th := circuitbreaker.NewThrottle(circuitbreaker.ThrottleSettings{Window: time.Minute, Buckets: 6},
		circuitbreaker.ThrottleRandom(func() float64 { return draw }),
		circuitbreaker.BreakerStateGauge(g),
		circuitbreaker.BreakerStateChange(func(from, to circuitbreaker.State) { changes = append(changes, to.String()) }))
	// 10 requests, all failing: p rises to 9/10 before the 10th.
	for range 10 {
		if err := th.AllowAt(t0); err == nil {
			th.DoneAt(t0, failure)
		}
	}
	if err := th.AllowAt(t0); !errors.Is(err, circuitbreaker.ErrThrottled) || !errors.Is(err, circuitbreaker.ErrOpen) {
		t.Fatalf("AllowAt with p=10/11 and draw 0.5: err = %v, want ErrThrottled wrapping ErrOpen", err)
	}
	if got := th.State(); got != circuitbreaker.Open {
		t.Errorf("State while dropping = %v, want open", got)
	}
	// Once the window has passed, nothing is dropped.
	later := t0.Add(61 * time.Second)
	if err := th.AllowAt(later); err != nil {
		t.Fatalf("AllowAt after the window: %v", err)
	}
	if got := th.State(); got != circuitbreaker.Closed {
		t.Errorf("State after the window = %v, want closed", got)
	}
	if len(changes) != 2 || changes[0] != "open" || changes[1] != "closed" {
		t.Errorf("state changes = %v, want [open closed]", changes)
	}
	if got := g.last(); got != 0 {
		t.Errorf("gauge = %v, want 0", got)
	}
}

// In a bubble every call happens at one instant, as the middleware reads
// time.Now and the fake clock stands still.
func TestThrottleMiddleware(t *testing.T) { synctest.Test(t, testThrottleMiddleware) }

func testThrottleMiddleware(t *testing.T) {
	th := circuitbreaker.NewThrottle(circuitbreaker.ThrottleSettings{},
		circuitbreaker.ThrottleRandom(func() float64 { return 0 }))
	down := errors.New("unavailable")
	e := th.Middleware(func(context.Context, any) (any, error) { return nil, down })
	var reached, throttled int
	for range 100 {
		_, err := e(context.Background(), nil)
		switch {
		case errors.Is(err, circuitbreaker.ErrThrottled):
			throttled++
		case errors.Is(err, down):
			reached++
		default:
			t.Fatalf("call: err = %v", err)
		}
	}
	// With draw 0 every request after the first is dropped: the backend
	// rejected the only one it saw.
	if reached != 1 || throttled != 99 {
		t.Errorf("reached backend %d, throttled %d; want 1 and 99", reached, throttled)
	}
}

// TestThrottleConcurrent hammers a Throttle from 8 goroutines while three
// calls in four fail, and checks the invariants: every call is let through
// or refused with ErrThrottled, so the counts add up; the throttle did drop
// (the backend accepts a quarter, K is 2) but never more than MaxReject
// allows; its rejection probability stays within [0, MaxReject]; every
// state change reported is Closed <-> Open; and once the window has passed,
// it drops nothing.
func TestThrottleConcurrent(t *testing.T) {
	var (
		mu          sync.Mutex
		transitions = map[[2]circuitbreaker.State]int{}
	)
	const maxReject = 0.9
	th := circuitbreaker.NewThrottle(circuitbreaker.ThrottleSettings{Window: 10 * time.Second, MaxReject: maxReject},
		circuitbreaker.BreakerStateChange(func(from, to circuitbreaker.State) {
			mu.Lock()
			transitions[[2]circuitbreaker.State{from, to}]++
			mu.Unlock()
		}))
	const goroutines, calls = 8, 2000
	var allowed, throttled, other atomic.Int64
	var badProbability atomic.Value
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range calls {
				now := t0.Add(time.Duration(i) * time.Millisecond)
				switch err := th.AllowAt(now); {
				case err == nil:
					allowed.Add(1)
					o := success
					if (i+g)%4 != 0 {
						o = failure
					}
					th.DoneAt(now, o)
				case errors.Is(err, circuitbreaker.ErrThrottled):
					throttled.Add(1)
				default:
					other.Add(1)
				}
				if p := th.RejectProbability(now); p < 0 || p > maxReject {
					badProbability.Store(p)
				}
			}
		})
	}
	wg.Wait()

	if n := other.Load(); n != 0 {
		t.Errorf("%d calls failed with an error other than ErrThrottled", n)
	}
	if got := allowed.Load() + throttled.Load(); got != goroutines*calls {
		t.Errorf("allowed %d + throttled %d = %d, want the %d calls made", allowed.Load(), throttled.Load(), got, goroutines*calls)
	}
	if throttled.Load() == 0 {
		t.Errorf("nothing throttled while 3 calls in 4 failed")
	}
	// Refusals are random draws at a probability of at most 0.9: over
	// 16000 calls one standard deviation of the share is 0.0024, so 0.02
	// above 0.9 is eight away.
	if share := float64(throttled.Load()) / (goroutines * calls); share > maxReject+0.02 {
		t.Errorf("throttled %.3f of the calls, want at most MaxReject %v", share, maxReject)
	}
	if p := badProbability.Load(); p != nil {
		t.Errorf("RejectProbability was %v, want within [0, %v]", p, maxReject)
	}
	mu.Lock()
	for tr, n := range transitions {
		if tr != [2]circuitbreaker.State{circuitbreaker.Closed, circuitbreaker.Open} && tr != [2]circuitbreaker.State{circuitbreaker.Open, circuitbreaker.Closed} {
			t.Errorf("state change %v -> %v reported %d times: a Throttle is only closed or open", tr[0], tr[1], n)
		}
	}
	mu.Unlock()
	later := t0.Add(time.Minute) // the whole window retired
	if p := th.RejectProbability(later); p != 0 {
		t.Errorf("a window after the load: RejectProbability = %v, want 0", p)
	}
	if err := th.AllowAt(later); err != nil {
		t.Errorf("a window after the load: AllowAt = %v, want nil", err)
	}
}

func TestThrottleUncapped(t *testing.T) {
	th := circuitbreaker.NewThrottle(circuitbreaker.ThrottleSettings{MaxReject: 2},
		circuitbreaker.ThrottleRandom(func() float64 { return 0.999999 }))
	for range 100 {
		th.AllowAt(t0)
		th.DoneAt(t0, failure)
	}
	if got, want := th.RejectProbability(t0), 100.0/101; math.Abs(got-want) > 1e-9 {
		t.Errorf("RejectProbability with MaxReject above 1 = %v, want %v (the book's formula)", got, want)
	}
}

// TestThrottleConcurrentWindowExact hammers the lock-free window across
// bucket boundaries, then checks that once the window has passed nothing of
// it is left in the running sums.
func TestThrottleConcurrentWindowExact(t *testing.T) {
	th := circuitbreaker.NewThrottle(circuitbreaker.ThrottleSettings{Window: time.Second, Buckets: 10, MaxReject: 2},
		circuitbreaker.ThrottleRandom(func() float64 { return 0.999999 }))
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 1000 {
				now := t0.Add(time.Duration(i+g*7) * time.Millisecond)
				if th.AllowAt(now) == nil {
					th.DoneAt(now, success)
				}
			}
		})
	}
	wg.Wait()
	if got := th.RejectProbability(t0.Add(time.Second)); got != 0 {
		t.Errorf("after accepted traffic: RejectProbability = %v, want 0", got)
	}
	later := t0.Add(5 * time.Second) // the whole window retired
	for range 10 {
		if err := th.AllowAt(later); err != nil {
			t.Fatalf("AllowAt: %v", err)
		}
		th.DoneAt(later, failure)
	}
	if got, want := th.RejectProbability(later), 10.0/11; math.Abs(got-want) > 1e-12 {
		t.Errorf("10 failed requests after the window: RejectProbability = %v, want %v (leftover counts in the sums)", got, want)
	}
}

// TestThrottleWindowSlides checks that the window forgets a period once it
// has slid out, and only then.
func TestThrottleWindowSlides(t *testing.T) {
	for _, tc := range []struct {
		name string
		at   time.Duration // of the check, after the failures at 0
		want float64
	}{
		// In the window: 40 requests and 10 accepts. Slid out: 30 and 10.
		{"failures still in the window", 9500 * time.Millisecond, (40 - 2*10.0) / 41},
		{"failures slid out", 10500 * time.Millisecond, (30 - 2*10.0) / 31},
	} {
		t.Run(tc.name, func(t *testing.T) {
			th := circuitbreaker.NewThrottle(circuitbreaker.ThrottleSettings{Window: 10 * time.Second, Buckets: 10, MaxReject: 2},
				circuitbreaker.ThrottleRandom(func() float64 { return 0.999999 }))
			start := t0.Truncate(time.Second)
			// 10 failures in the first period, 10 successes 5 s later.
			for range 10 {
				th.AllowAt(start)
				th.DoneAt(start, failure)
			}
			for range 10 {
				th.AllowAt(start.Add(5 * time.Second))
				th.DoneAt(start.Add(5*time.Second), success)
			}
			// 20 more failures at the check.
			for range 20 {
				th.AllowAt(start.Add(tc.at))
				th.DoneAt(start.Add(tc.at), failure)
			}
			if got := th.RejectProbability(start.Add(tc.at)); math.Abs(got-tc.want) > 1e-12 {
				t.Errorf("RejectProbability = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestThrottleInstantsBefore1970(t *testing.T) {
	// Instants before the Unix epoch (a zero time.Time included) count in
	// one period rather than panicking on a negative index.
	for _, at := range []time.Time{{}, time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC)} {
		th := circuitbreaker.NewThrottle(circuitbreaker.ThrottleSettings{MaxReject: 2},
			circuitbreaker.ThrottleRandom(func() float64 { return 0.999999 }))
		for range 10 {
			th.AllowAt(at)
			th.DoneAt(at, failure)
		}
		if got, want := th.RejectProbability(at), 10.0/11; math.Abs(got-want) > 1e-12 {
			t.Errorf("RejectProbability at %v = %v, want %v", at, got, want)
		}
	}
}
