package fault_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/fault"
	"github.com/endpointkit/kit/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// counting returns an endpoint answering "ok" and the count of its calls.
func counting() (endpoint.Endpoint, *atomic.Int64) {
	var n atomic.Int64
	return func(context.Context, any) (any, error) {
		n.Add(1)
		return "ok", nil
	}, &n
}

func mustInjector(t testing.TB, s fault.Settings, seed ...int64) *fault.Injector {
	t.Helper()
	in, err := fault.NewInjector(s, seed...)
	if err != nil {
		t.Fatalf("NewInjector(%+v): %v", s, err)
	}
	return in
}

var always = fault.Trigger{Probability: 1}

func TestDisabledPassesThrough(t *testing.T) {
	for name, in := range map[string]*fault.Injector{
		"zero":           new(fault.Injector),
		"empty settings": mustInjector(t, fault.Settings{}),
		"disabled": func() *fault.Injector {
			in := mustInjector(t, fault.Settings{Error: fault.Failure{Trigger: always}})
			in.Disable()
			return in
		}(),
	} {
		next, calls := counting()
		resp, err := in.Middleware()(next)(context.Background(), nil)
		if resp != "ok" || err != nil || calls.Load() != 1 {
			t.Errorf("%s: got (%v, %v) after %d calls, want (ok, nil) after 1", name, resp, err, calls.Load())
		}
		if got := in.Settings(); got != (fault.Settings{}) {
			t.Errorf("%s: Settings() = %+v, want zero", name, got)
		}
	}
}

func TestLatencyFixed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		in := mustInjector(t, fault.Settings{Latency: fault.Latency{Trigger: always, Fixed: 100 * time.Millisecond}})
		next, calls := counting()
		start := time.Now()
		resp, err := in.Middleware()(next)(context.Background(), nil)
		if resp != "ok" || err != nil || calls.Load() != 1 {
			t.Fatalf("got (%v, %v) after %d calls, want (ok, nil) after 1", resp, err, calls.Load())
		}
		if d := time.Since(start); d != 100*time.Millisecond {
			t.Errorf("call took %v, want 100ms", d)
		}
	})
}

func TestLatencyJitterWithinBounds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		in := mustInjector(t, fault.Settings{Latency: fault.Latency{
			Trigger: always, Fixed: 10 * time.Millisecond, Jitter: 20 * time.Millisecond,
		}}, 1)
		e := in.Middleware()(endpoint.Nop)
		lo, hi := time.Hour, time.Duration(0)
		for range 1000 {
			start := time.Now()
			if _, err := e(context.Background(), nil); err != nil {
				t.Fatal(err)
			}
			d := time.Since(start)
			lo, hi = min(lo, d), max(hi, d)
		}
		if lo < 10*time.Millisecond || hi >= 30*time.Millisecond {
			t.Errorf("delays in [%v, %v], want within [10ms, 30ms)", lo, hi)
		}
		if lo > 11*time.Millisecond || hi < 29*time.Millisecond {
			t.Errorf("delays in [%v, %v] over 1000 calls, want them spread over [10ms, 30ms)", lo, hi)
		}
	})
}

// TestLatencyTail checks a heavy tail: 5% of calls take 200x the base
// delay, a count within bounds and exactly reproducible with the seed.
func TestLatencyTail(t *testing.T) {
	const n = 4000
	tail := func(seed int64) (slow int) {
		synctest.Test(t, func(t *testing.T) {
			in := mustInjector(t, fault.Settings{Latency: fault.Latency{
				Trigger: always, Fixed: time.Millisecond, TailProbability: 0.05, TailFactor: 200,
			}}, seed)
			e := in.Middleware()(endpoint.Nop)
			for range n {
				start := time.Now()
				_, _ = e(context.Background(), nil)
				switch d := time.Since(start); d {
				case time.Millisecond:
				case 200 * time.Millisecond:
					slow++
				default:
					t.Fatalf("a call took %v, want 1ms or 200ms", d)
				}
			}
		})
		return slow
	}
	slow := tail(7)
	// 5% of 4000 is 200, with a standard deviation of about 14.
	if slow < 140 || slow > 260 {
		t.Errorf("%d of %d calls in the tail, want about 200", slow, n)
	}
	if again := tail(7); again != slow {
		t.Errorf("same seed: %d calls in the tail, then %d", slow, again)
	}
}

// TestLatencyHonoursContext checks that a cancelled context ends an
// injected delay at once with its error, and the endpoint is not called.
func TestLatencyHonoursContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		in := mustInjector(t, fault.Settings{Latency: fault.Latency{Trigger: always, Fixed: time.Hour}})
		next, calls := counting()
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(time.Second, cancel)
		start := time.Now()
		_, err := in.Middleware()(next)(ctx, nil)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
		if d := time.Since(start); d != time.Second {
			t.Errorf("call took %v, want 1s (when the context was cancelled)", d)
		}
		if calls.Load() != 0 {
			t.Errorf("endpoint called %d times, want 0", calls.Load())
		}
		if o := endpoint.Classify(ctx, nil, err); o.Kind != endpoint.CallerError {
			t.Errorf("Classify = %v, want caller_error", o)
		}
	})
}

// TestHang checks that a hung call blocks until its context is done and
// returns the context's error, classified by whose deadline it was.
func TestHang(t *testing.T) {
	for _, tc := range []struct {
		name string
		mw   endpoint.Middleware
		want endpoint.Outcome
	}{
		{"caller's deadline", func(next endpoint.Endpoint) endpoint.Endpoint {
			return func(ctx context.Context, req any) (any, error) {
				ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
				defer cancel()
				return next(ctx, req)
			}
		}, endpoint.Outcome{Kind: endpoint.CallerError}},
		{"hop's own timeout", endpoint.Timeout(5 * time.Second),
			endpoint.Outcome{Kind: endpoint.DependencyFailure, Retryable: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				in := mustInjector(t, fault.Settings{Hang: always})
				next, calls := counting()
				var o endpoint.Outcome
				classify := func(next endpoint.Endpoint) endpoint.Endpoint {
					return func(ctx context.Context, req any) (any, error) {
						resp, err := next(ctx, req)
						o = endpoint.Classify(ctx, resp, err)
						return resp, err
					}
				}
				e := endpoint.Chain(tc.mw, classify, in.Middleware())(next)
				start := time.Now()
				done := make(chan error, 1)
				go func() { _, err := e(context.Background(), nil); done <- err }()
				time.Sleep(5*time.Second - time.Nanosecond)
				synctest.Wait()
				select {
				case err := <-done:
					t.Fatalf("hung call returned %v before the deadline", err)
				default:
				}
				err := <-done
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("err = %v, want context.DeadlineExceeded", err)
				}
				if d := time.Since(start); d != 5*time.Second {
					t.Errorf("call took %v, want 5s", d)
				}
				if calls.Load() != 0 {
					t.Errorf("endpoint called %d times, want 0", calls.Load())
				}
				if o != tc.want {
					t.Errorf("Classify = %v, want %v", o, tc.want)
				}
			})
		})
	}
}

func TestDrop(t *testing.T) {
	for _, after := range []bool{false, true} {
		in := mustInjector(t, fault.Settings{Drop: fault.Drop{Trigger: always, AfterCall: after}})
		next, calls := counting()
		resp, err := in.Middleware()(next)(context.Background(), nil)
		if resp != nil || !errors.Is(err, fault.ErrDropped) {
			t.Errorf("AfterCall %v: got (%v, %v), want (nil, ErrDropped)", after, resp, err)
		}
		if want := map[bool]int64{false: 0, true: 1}[after]; calls.Load() != want {
			t.Errorf("AfterCall %v: endpoint called %d times, want %d", after, calls.Load(), want)
		}
		want := endpoint.Outcome{Kind: endpoint.DependencyFailure, Retryable: true}
		if o := endpoint.Classify(context.Background(), resp, err); o != want {
			t.Errorf("AfterCall %v: Classify = %v, want %v", after, o, want)
		}
	}
}

func TestErrorClassifiesAsChosen(t *testing.T) {
	for _, tc := range []struct {
		set, want endpoint.Outcome
	}{
		{endpoint.Outcome{}, endpoint.Outcome{Kind: endpoint.DependencyFailure, Retryable: true}},
		{endpoint.Outcome{Kind: endpoint.DependencyFailure}, endpoint.Outcome{Kind: endpoint.DependencyFailure}},
		{endpoint.Outcome{Kind: endpoint.Overloaded, Retryable: true}, endpoint.Outcome{Kind: endpoint.Overloaded, Retryable: true}},
		{endpoint.Outcome{Kind: endpoint.CallerError}, endpoint.Outcome{Kind: endpoint.CallerError}},
	} {
		in := mustInjector(t, fault.Settings{Error: fault.Failure{Trigger: always, Outcome: tc.set}})
		next, calls := counting()
		ctx := context.Background()
		resp, err := in.Middleware()(next)(ctx, nil)
		if o := endpoint.Classify(ctx, resp, err); o != tc.want {
			t.Errorf("Outcome %v: Classify = %v, want %v", tc.set, o, tc.want)
		}
		var ie *fault.InjectedError
		if !errors.As(err, &ie) || ie.Outcome() != tc.want {
			t.Errorf("Outcome %v: err = %#v, want an *InjectedError of %v", tc.set, err, tc.want)
		}
		if want := "fault: injected " + tc.want.String(); err.Error() != want {
			t.Errorf("message %q, want %q", err.Error(), want)
		}
		if calls.Load() != 0 {
			t.Errorf("endpoint called %d times, want 0", calls.Load())
		}
	}
}

// TestOrder checks that a call waits out its latency before it fails.
func TestOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		in := mustInjector(t, fault.Settings{
			Latency: fault.Latency{Trigger: always, Fixed: time.Second},
			Error:   fault.Failure{Trigger: always},
		})
		start := time.Now()
		_, err := in.Middleware()(endpoint.Nop)(context.Background(), nil)
		var ie *fault.InjectedError
		if !errors.As(err, &ie) || time.Since(start) != time.Second {
			t.Errorf("got %v after %v, want an injected error after 1s", err, time.Since(start))
		}
	})
}
