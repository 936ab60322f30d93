package loadbalancer_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/loadbalancer"
)

var errUnavailable = errors.New("backend unavailable")

// counted returns an endpoint that fails its first fails calls, and a
// counter of its calls.
func counted(fails int) (endpoint.Endpoint, *atomic.Int64) {
	var n atomic.Int64
	return func(context.Context, any) (any, error) {
		if int(n.Add(1)) <= fails {
			return nil, errUnavailable
		}
		return "ok", nil
	}, &n
}

func TestRetry(t *testing.T) {
	tests := []struct {
		name      string
		fails     int
		max       int
		wantCalls int64
		wantErr   bool
	}{
		{"first_try", 0, 3, 1, false},
		{"second_try", 1, 3, 2, false},
		{"gives_up", 5, 3, 3, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, n := counted(tc.fails)
			resp, err := loadbalancer.Retry(tc.max, time.Second, loadbalancer.NewRoundRobin(loadbalancer.FixedEndpointer{e}))(context.Background(), nil)
			if n.Load() != tc.wantCalls {
				t.Errorf("calls = %d, want %d", n.Load(), tc.wantCalls)
			}
			if tc.wantErr {
				var re *loadbalancer.RetryError
				if !errors.As(err, &re) || len(re.RawErrors) != tc.max {
					t.Fatalf("err = %v, want a RetryError with %d attempts", err, tc.max)
				}
				if !errors.Is(err, errUnavailable) {
					t.Errorf("errors.Is(%v, errUnavailable) = false, want true", err)
				}
				return
			}
			if err != nil || resp != "ok" {
				t.Errorf("got (%v, %v), want (ok, nil)", resp, err)
			}
		})
	}
}

func TestRetryWithCallbackReplacement(t *testing.T) {
	e, n := counted(10)
	stop := errors.New("stop here")
	_, err := loadbalancer.RetryWithCallback(time.Second, loadbalancer.NewRoundRobin(loadbalancer.FixedEndpointer{e}), func(i int, err error) (bool, error) {
		if i == 2 {
			return false, stop
		}
		return true, nil
	})(context.Background(), nil)
	if n.Load() != 2 || !errors.Is(err, stop) || !errors.Is(err, errUnavailable) {
		t.Errorf("calls = %d, err = %v; want 2 calls and an error matching both the replacement and the attempts", n.Load(), err)
	}
}

func TestRetryNoEndpoints(t *testing.T) {
	_, err := loadbalancer.Retry(3, time.Second, loadbalancer.NewRandom(loadbalancer.FixedEndpointer{}))(context.Background(), nil)
	if !errors.Is(err, loadbalancer.ErrNoEndpoints) {
		t.Errorf("err = %v, want ErrNoEndpoints", err)
	}
}

func TestRetryWithBackoffIsJitteredAndBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var stamps []time.Time
		e := func(context.Context, any) (any, error) {
			stamps = append(stamps, time.Now())
			return nil, errUnavailable
		}
		call := loadbalancer.RetryWith(loadbalancer.NewRoundRobin(loadbalancer.FixedEndpointer{e}), loadbalancer.RetrySettings{
			MaxAttempts: 5, BackoffBase: 100 * time.Millisecond, BackoffMax: 300 * time.Millisecond,
		})
		_, err := call(context.Background(), nil)
		var re *loadbalancer.RetryError
		if !errors.As(err, &re) || len(re.RawErrors) != 5 {
			t.Fatalf("err = %v, want a RetryError of 5 attempts", err)
		}
		// The wait before retry n is within [0, min(300ms, 100ms·2^(n-1))].
		caps := []time.Duration{100, 200, 300, 300}
		for i := 1; i < len(stamps); i++ {
			wait := stamps[i].Sub(stamps[i-1])
			if wait < 0 || wait > caps[i-1]*time.Millisecond {
				t.Errorf("wait before retry %d = %v, want within [0, %v]", i, wait, caps[i-1]*time.Millisecond)
			}
		}
	})
}

func TestRetryWithJitterVaries(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		waits := map[time.Duration]bool{}
		for range 20 {
			var first time.Time
			e := func(context.Context, any) (any, error) {
				if first.IsZero() {
					first = time.Now()
					return nil, errUnavailable
				}
				waits[time.Since(first)] = true
				return "ok", nil
			}
			loadbalancer.RetryWith(loadbalancer.NewRoundRobin(loadbalancer.FixedEndpointer{e}), loadbalancer.RetrySettings{BackoffBase: time.Second, BackoffMax: time.Second})(context.Background(), nil)
		}
		if len(waits) < 10 {
			t.Errorf("20 first retries waited only %d distinct durations; want jitter", len(waits))
		}
	})
}

func TestRetryWithAttemptTimeoutMovesOn(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		hang := func(ctx context.Context, _ any) (any, error) {
			<-ctx.Done()
			return nil, ctx.Err()
		}
		b := loadbalancer.NewRoundRobin(loadbalancer.FixedEndpointer{hang, named("b")})
		start := time.Now()
		resp, err := loadbalancer.RetryWith(b, loadbalancer.RetrySettings{
			Timeout: time.Second, AttemptTimeout: 100 * time.Millisecond, BackoffBase: -1,
		})(context.Background(), nil)
		if err != nil || resp != "b" {
			t.Fatalf("got (%v, %v), want (b, nil)", resp, err)
		}
		if d := time.Since(start); d != 100*time.Millisecond {
			t.Errorf("took %v, want 100ms (one attempt timeout, then b)", d)
		}
	})
}

func TestRetryWithStopsWhenDeadlineTooClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var calls int
		slowFail := func(ctx context.Context, _ any) (any, error) {
			calls++
			time.Sleep(80 * time.Millisecond)
			return nil, errUnavailable
		}
		call := loadbalancer.RetryWith(loadbalancer.NewRoundRobin(loadbalancer.FixedEndpointer{slowFail}), loadbalancer.RetrySettings{
			MaxAttempts: 10, BackoffBase: -1, MinAttemptTime: 50 * time.Millisecond,
		})
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		_, err := call(ctx, nil)
		// Attempts at 0 and 80ms; at 160ms only 40ms are left, under 50ms.
		if calls != 2 || !errors.Is(err, loadbalancer.ErrDeadlineTooClose) {
			t.Errorf("calls = %d, err = %v; want 2 and ErrDeadlineTooClose", calls, err)
		}
	})
}

func TestRetryWithRespectsCallerCancellation(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var calls int
	e := func(context.Context, any) (any, error) {
		calls++
		cancel()
		return nil, errUnavailable
	}
	_, err := loadbalancer.RetryWith(loadbalancer.NewRoundRobin(loadbalancer.FixedEndpointer{e}), loadbalancer.RetrySettings{MaxAttempts: 5})(ctx, nil)
	if calls != 1 || !errors.Is(err, context.Canceled) {
		t.Errorf("calls = %d, err = %v; want 1 call and context.Canceled", calls, err)
	}
}

func TestRetryWithClassifier(t *testing.T) {
	errBadRequest := errors.New("bad request")
	var calls int
	e := func(context.Context, any) (any, error) { calls++; return nil, errBadRequest }
	_, err := loadbalancer.RetryWith(loadbalancer.NewRoundRobin(loadbalancer.FixedEndpointer{e}), loadbalancer.RetrySettings{
		Classifier: func(ctx context.Context, resp any, err error) endpoint.Outcome {
			if errors.Is(err, errBadRequest) {
				return endpoint.Outcome{Kind: endpoint.CallerError}
			}
			return endpoint.Classify(ctx, resp, err)
		},
	})(context.Background(), nil)
	if calls != 1 || !errors.Is(err, errBadRequest) {
		t.Errorf("calls = %d, err = %v; want 1 call (not retryable)", calls, err)
	}
}

type statusErr int

func (e statusErr) Error() string   { return fmt.Sprintf("status %d", int(e)) }
func (e statusErr) StatusCode() int { return int(e) }

// TestRetryWithDefaultClassifier checks that RetryWith retries what
// endpoint.Classify calls retryable, and only that.
func TestRetryWithDefaultClassifier(t *testing.T) {
	for _, tc := range []struct {
		name  string
		err   error
		calls int
	}{
		{"503", statusErr(503), 3},
		{"429", statusErr(429), 3},
		{"connection refused", errors.New("connection refused"), 3},
		{"400", statusErr(400), 1},
		{"404", fmt.Errorf("get: %w", statusErr(404)), 1},
		{"501", statusErr(501), 1},
		{"caller error", endpoint.WithOutcome(errors.New("bad"), endpoint.Outcome{Kind: endpoint.CallerError}), 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			e := func(context.Context, any) (any, error) { calls.Add(1); return nil, tc.err }
			_, err := loadbalancer.RetryWith(loadbalancer.NewRoundRobin(loadbalancer.FixedEndpointer{e}),
				loadbalancer.RetrySettings{BackoffBase: -1})(context.Background(), nil)
			if got := int(calls.Load()); got != tc.calls || !errors.Is(err, tc.err) {
				t.Errorf("calls = %d, err = %v; want %d calls", got, err, tc.calls)
			}
		})
	}
}

// TestRetryWithAttemptTimeoutIsTheDependencys checks that an attempt cut
// short by AttemptTimeout is this hop's timeout: the context the instance
// sees ends with endpoint.ErrTimeout, so what classifies it there (a
// breaker, outlier ejection) counts it against the instance, and the retry
// goes on to the next attempt.
func TestRetryWithAttemptTimeoutIsTheDependencys(t *testing.T) {
	var causes []error
	var seen []endpoint.Outcome
	slow := func(ctx context.Context, _ any) (any, error) {
		<-ctx.Done()
		causes = append(causes, context.Cause(ctx))
		seen = append(seen, endpoint.Classify(ctx, nil, ctx.Err()))
		return nil, ctx.Err()
	}
	_, err := loadbalancer.RetryWith(loadbalancer.NewRoundRobin(loadbalancer.FixedEndpointer{slow}), loadbalancer.RetrySettings{
		AttemptTimeout: time.Millisecond, BackoffBase: -1,
	})(context.Background(), nil)
	if len(causes) != 3 || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("attempts = %d, err = %v; want 3 attempts ending in DeadlineExceeded", len(causes), err)
	}
	for i := range causes {
		if want := (endpoint.Outcome{Kind: endpoint.DependencyFailure, Retryable: true}); !errors.Is(causes[i], endpoint.ErrTimeout) || seen[i] != want {
			t.Errorf("attempt %d: cause %v, classified %v; want ErrTimeout and %v", i, causes[i], seen[i], want)
		}
	}
}

func TestRetryWithBusinessErrorsAreNotRetried(t *testing.T) {
	var calls int
	e := func(context.Context, any) (any, error) { calls++; return failed{errors.New("no such user")}, nil }
	resp, err := loadbalancer.RetryWith(loadbalancer.NewRoundRobin(loadbalancer.FixedEndpointer{e}), loadbalancer.RetrySettings{})(context.Background(), nil)
	if calls != 1 || err != nil {
		t.Errorf("calls = %d, err = %v; want 1 call and the response", calls, err)
	}
	if f, ok := resp.(endpoint.Failer); !ok || f.Failed() == nil {
		t.Errorf("resp = %v, want the failed response", resp)
	}
}

type failed struct{ err error }

func (f failed) Failed() error { return f.err }

// TestRetryWithSuccessDoesNotAllocate: a call that succeeds at once costs
// RetryWith no allocation, neither for the list of tried instances nor for
// the RetryError it would return on failure.
func TestRetryWithSuccessDoesNotAllocate(t *testing.T) {
	ctx := context.Background()
	for _, bc := range benchBalancers {
		// endpoint.Nop: the named endpoints of other tests allocate when
		// they box their name.
		call := loadbalancer.RetryWith(bc.new(loadbalancer.FixedEndpointer{endpoint.Nop, endpoint.Nop}), loadbalancer.RetrySettings{})
		if got := testing.AllocsPerRun(100, func() { _, _ = call(ctx, nil) }); got != 0 {
			t.Errorf("%s: RetryWith succeeding at once: %v allocations per call, want 0", bc.name, got)
		}
	}
}

func TestRetryWithBudget(t *testing.T) {
	// With a budget of 10% and no floor, 100 requests to a dead backend make
	// at most 10 retries, against 200 with attempts alone.
	budget := loadbalancer.NewBudget(loadbalancer.BudgetSettings{Ratio: 0.1, MinPerSecond: -1})
	e, n := counted(1 << 30)
	call := loadbalancer.RetryWith(loadbalancer.NewRoundRobin(loadbalancer.FixedEndpointer{e}), loadbalancer.RetrySettings{
		MaxAttempts: 3, BackoffBase: -1, Budget: budget,
	})
	var exhausted int
	for range 100 {
		_, err := call(context.Background(), nil)
		if errors.Is(err, loadbalancer.ErrBudgetExhausted) {
			exhausted++
		}
	}
	if got := n.Load(); got > 110 || got < 105 {
		t.Errorf("100 requests made %d attempts, want 100 + about 10 retries", got)
	}
	if exhausted < 85 {
		t.Errorf("%d of 100 requests stopped on the budget, want most", exhausted)
	}
}

func TestBudgetWindow(t *testing.T) {
	// Explicit instants: the Budget takes the time from its caller.
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	b := loadbalancer.NewBudget(loadbalancer.BudgetSettings{Ratio: 0.5, MinPerSecond: -1, TTL: 10 * time.Second})
	for range 4 {
		b.DepositAt(now)
	}
	var ok int
	for range 5 {
		if b.TryWithdrawAt(now) {
			ok++
		}
	}
	if ok != 2 {
		t.Errorf("4 requests at ratio 0.5: %d retries allowed, want 2", ok)
	}
	now = now.Add(11 * time.Second) // the window slides past them
	if b.TryWithdrawAt(now) {
		t.Errorf("11s later with no requests: a retry was allowed, want none")
	}
	floor := loadbalancer.NewBudget(loadbalancer.BudgetSettings{MinPerSecond: 1, TTL: 10 * time.Second})
	ok = 0
	for range 20 {
		if floor.TryWithdrawAt(now) {
			ok++
		}
	}
	if ok != 10 {
		t.Errorf("floor of 1/s over 10s: %d retries allowed, want 10", ok)
	}
}

func TestRetryErrorMessage(t *testing.T) {
	err := &loadbalancer.RetryError{RawErrors: []error{errors.New("x"), errors.New("y")}, Final: errors.New("y")}
	if got, want := err.Error(), "loadbalancer: 2 attempt(s) failed: y (attempts: x; y)"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	_ = fmt.Sprint
}

// TestRetryWithAttemptHook: Attempt wraps every attempt, with its number
// and the instance picked, and its endpoint is the one called.
func TestRetryWithAttemptHook(t *testing.T) {
	fail := func(context.Context, any) (any, error) {
		return nil, endpoint.WithOutcome(errors.New("down"), endpoint.Outcome{Kind: endpoint.DependencyFailure, Retryable: true})
	}
	type call struct {
		n        int
		instance string
		err      error
	}
	var calls []call
	e := loadbalancer.RetryWith(loadbalancer.NewRoundRobin(loadbalancer.FixedEndpointer{fail, fail}),
		loadbalancer.RetrySettings{MaxAttempts: 3, BackoffBase: -1,
			Attempt: func(n int, instance string, next endpoint.Endpoint) endpoint.Endpoint {
				return func(ctx context.Context, req any) (any, error) {
					resp, err := next(ctx, req)
					calls = append(calls, call{n, instance, err})
					return resp, err
				}
			}})
	if _, err := e(context.Background(), nil); err == nil {
		t.Fatal("want an error: every attempt fails")
	}
	if len(calls) != 3 {
		t.Fatalf("Attempt saw %d attempts, want 3: %v", len(calls), calls)
	}
	for i, c := range calls {
		if c.n != i+1 || c.err == nil {
			t.Errorf("attempt %d: %+v, want n=%d with the attempt's error", i, c, i+1)
		}
	}
	if calls[0].instance == calls[1].instance {
		t.Errorf("attempts 1 and 2 both on instance %q, want the retry on the other", calls[0].instance)
	}
}
