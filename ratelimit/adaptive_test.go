package ratelimit_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/endpointkit/kit/ratelimit"
)

// run admits n calls at instant now and ends them all rtt later with o.
func run(t *testing.T, a *ratelimit.Adaptive, now time.Time, n int, rtt time.Duration, o ratelimit.Outcome) {
	t.Helper()
	var ts []ratelimit.AdaptiveTicket
	for range n {
		tk, err := a.AcquireAt(now)
		if err != nil {
			t.Fatalf("AcquireAt with %d in flight, limit %d: %v", a.InFlight(), a.Limit(), err)
		}
		ts = append(ts, tk)
	}
	for _, tk := range ts {
		a.ReleaseAt(tk, now.Add(rtt), o)
	}
}

func TestAdaptiveGrowsWhileLatencyIsFlat(t *testing.T) {
	lim, inflight := &recGauge{}, &recGauge{}
	a := ratelimit.NewAdaptive(ratelimit.AdaptiveSettings{Initial: 10, Max: 100},
		ratelimit.AdaptiveLimit(lim), ratelimit.AdaptiveInFlight(inflight))
	now := t0
	for range 20 {
		run(t, a, now, a.Limit(), 10*time.Millisecond, ratelimit.Sampled)
		now = now.Add(time.Second)
	}
	if got := a.Limit(); got != 100 {
		t.Errorf("Limit after full, unqueued rounds = %d, want 100 (Max)", got)
	}
	if got := lim.value(); got != 100 {
		t.Errorf("limit gauge = %v, want 100", got)
	}
	if got := inflight.value(); got != 0 {
		t.Errorf("in-flight gauge = %v, want 0", got)
	}
}

func TestAdaptiveIgnoresIdleTraffic(t *testing.T) {
	a := ratelimit.NewAdaptive(ratelimit.AdaptiveSettings{Initial: 20})
	for i := range 100 {
		run(t, a, t0.Add(time.Duration(i)*time.Second), 1, 10*time.Millisecond, ratelimit.Sampled)
	}
	if got := a.Limit(); got != 20 {
		t.Errorf("Limit after one call at a time = %d, want 20 (unchanged)", got)
	}
}

func TestAdaptiveShrinksWhenLatencyQueues(t *testing.T) {
	a := ratelimit.NewAdaptive(ratelimit.AdaptiveSettings{Initial: 50})
	run(t, a, t0, 1, 10*time.Millisecond, ratelimit.Sampled) // minimum latency
	// Latency 4x the minimum with 50 in flight: about 37 queued.
	for i := range 10 {
		run(t, a, t0.Add(time.Duration(i+1)*time.Second), a.Limit(), 40*time.Millisecond, ratelimit.Sampled)
	}
	if got := a.Limit(); got > 12 {
		t.Errorf("Limit after queueing rounds = %d, want <= 12", got)
	}
}

func TestAdaptiveBacksOffOnDrops(t *testing.T) {
	a := ratelimit.NewAdaptive(ratelimit.AdaptiveSettings{Initial: 100, Backoff: 0.5})
	run(t, a, t0, 1, time.Second, ratelimit.Dropped)
	if got := a.Limit(); got != 50 {
		t.Errorf("Limit after one drop = %d, want 50", got)
	}
	run(t, a, t0, 10, time.Second, ratelimit.Ignored)
	if got := a.Limit(); got != 50 {
		t.Errorf("Limit after ignored calls = %d, want 50", got)
	}
}

func TestAdaptiveRejectsBeyondLimit(t *testing.T) {
	a := ratelimit.NewAdaptive(ratelimit.AdaptiveSettings{Initial: 2})
	a.AcquireAt(t0)
	a.AcquireAt(t0)
	_, err := a.AcquireAt(t0)
	if !errors.Is(err, ratelimit.ErrInFlight) {
		t.Errorf("AcquireAt beyond the limit: err = %v, want ErrInFlight", err)
	}
}

// In a bubble the calls take no time at all, as they did with the fake
// clock this test used to pass: the latency samples are all zero.
func TestAdaptiveMiddlewareClassifies(t *testing.T) {
	synctest.Test(t, testAdaptiveMiddlewareClassifies)
}

func testAdaptiveMiddlewareClassifies(t *testing.T) {
	a := ratelimit.NewAdaptive(ratelimit.AdaptiveSettings{Initial: 10})
	e := a.Middleware(func(ctx context.Context, _ any) (any, error) { return nil, context.DeadlineExceeded })
	e(context.Background(), nil)
	if got := a.Limit(); got != 9 {
		t.Errorf("Limit after a deadline exceeded = %d, want 9", got)
	}
	e = a.Middleware(func(ctx context.Context, _ any) (any, error) { return nil, errors.New("bad request") })
	e(context.Background(), nil)
	if got := a.Limit(); got != 9 {
		t.Errorf("Limit after another error = %d, want 9", got)
	}
	if got := a.InFlight(); got != 0 {
		t.Errorf("InFlight = %d, want 0", got)
	}
}

func TestAdaptiveConcurrent(t *testing.T) {
	a := ratelimit.NewAdaptive(ratelimit.AdaptiveSettings{Initial: 8, Max: 64})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 3000 {
				now := t0.Add(time.Duration(i) * time.Millisecond)
				tk, err := a.AcquireAt(now)
				if err != nil {
					continue
				}
				a.ReleaseAt(tk, now.Add(time.Duration(1+(i+g)%20)*time.Millisecond), ratelimit.Outcome(i%3))
			}
		})
	}
	wg.Wait()
	if got := a.InFlight(); got != 0 {
		t.Errorf("InFlight after all released = %d, want 0", got)
	}
	if l := a.Limit(); l < 1 || l > 64 {
		t.Errorf("Limit = %d, want within [1, 64]", l)
	}
}

func TestAdaptiveReleasesOnPanic(t *testing.T) {
	a := ratelimit.NewAdaptive(ratelimit.AdaptiveSettings{Initial: 10})
	e := a.Middleware(func(context.Context, any) (any, error) { panic("boom") })
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Errorf("recovered %v, want boom", r)
			}
		}()
		e(context.Background(), nil)
	}()
	if got := a.InFlight(); got != 0 {
		t.Errorf("InFlight after a panic = %d, want 0", got)
	}
	if got := a.Limit(); got != 10 {
		t.Errorf("Limit after a panic = %d, want 10 (no sample)", got)
	}
}
