package endpoint_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/endpointkit/kit/endpoint"
)

type statusErr int

func (e statusErr) Error() string   { return fmt.Sprintf("status %d", int(e)) }
func (e statusErr) StatusCode() int { return int(e) }

// timeoutErr is what net.Error and url.Error look like to Classify.
type timeoutErr struct{}

func (timeoutErr) Error() string { return "i/o timeout" }
func (timeoutErr) Timeout() bool { return true }

type failer struct{ err error }

func (f failer) Failed() error { return f.err }

var (
	retryableFailure = endpoint.Outcome{Kind: endpoint.DependencyFailure, Retryable: true}
	callerError      = endpoint.Outcome{Kind: endpoint.CallerError}
)

// TestClassify covers every rule of Classify, in the order its doc lists
// them. It runs in a synctest bubble, so that "2ms before the deadline"
// holds exactly while the table runs.
func TestClassify(t *testing.T) {
	boom := errors.New("connection refused")
	// Contexts are made inside each case's synctest bubble, so that "1ms
	// before the deadline" holds exactly while Classify runs.
	bg := func() (context.Context, context.CancelFunc) { return context.Background(), func() {} }
	canceled := func() (context.Context, context.CancelFunc) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		return ctx, cancel
	}
	callerIn := func(d time.Duration) func() (context.Context, context.CancelFunc) {
		return func() (context.Context, context.CancelFunc) { return context.WithTimeout(context.Background(), d) }
	}
	hopIn := func(d time.Duration) func() (context.Context, context.CancelFunc) {
		return func() (context.Context, context.CancelFunc) { return endpoint.WithTimeout(context.Background(), d) }
	}
	// A hop timeout later than the caller's deadline: the caller's deadline
	// is the one that bites.
	callerUnderHop := func() (context.Context, context.CancelFunc) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
		ctx, cancel2 := endpoint.WithTimeout(ctx, time.Second)
		return ctx, func() { cancel2(); cancel() }
	}
	for _, tc := range []struct {
		name string
		ctx  func() (context.Context, context.CancelFunc)
		resp any
		err  error
		want endpoint.Outcome
	}{
		{"nil error", bg, "ok", nil, endpoint.Outcome{Kind: endpoint.Success}},
		{"Failer without error", bg, failer{}, nil, endpoint.Outcome{Kind: endpoint.Success}},
		{"Failer with a business error", bg, failer{errors.New("no such user")}, nil, endpoint.Outcome{Kind: endpoint.BusinessError}},
		{"caller canceled", canceled, nil, boom, callerError},
		{"caller canceled, classified error", canceled, nil, endpoint.WithOutcome(boom, retryableFailure), callerError},
		{"caller deadline expired", callerIn(-1), nil, context.DeadlineExceeded, callerError},
		{"caller deadline expired, 503 below", callerIn(-1), nil, statusErr(503), callerError},
		{"hop timeout expired", hopIn(-1), nil, context.DeadlineExceeded, retryableFailure},
		{"timeout below, caller deadline 1ms away", callerIn(time.Millisecond), nil, context.DeadlineExceeded, callerError},
		{"Timeout() below, caller deadline 1ms away", callerIn(time.Millisecond), nil, fmt.Errorf("dial: %w", timeoutErr{}), callerError},
		{"classified timeout below, caller deadline 1ms away", callerIn(time.Millisecond), nil, endpoint.WithOutcome(timeoutErr{}, retryableFailure), callerError},
		{"timeout below, caller deadline under a later hop timeout", callerUnderHop, nil, context.DeadlineExceeded, callerError},
		{"timeout below, hop deadline 1ms away", hopIn(time.Millisecond), nil, context.DeadlineExceeded, retryableFailure},
		{"timeout below, caller deadline 1s away", callerIn(time.Second), nil, context.DeadlineExceeded, retryableFailure},
		{"timeout below, no deadline", bg, nil, timeoutErr{}, retryableFailure},
		{"Classified", bg, nil, fmt.Errorf("call: %w", endpoint.WithOutcome(boom, endpoint.Outcome{Kind: endpoint.Overloaded})), endpoint.Outcome{Kind: endpoint.Overloaded}},
		{"Classified in a joined error", bg, nil, errors.Join(boom, endpoint.WithOutcome(boom, callerError)), callerError},
		{"Classified beats StatusCode", bg, nil, endpoint.WithOutcome(statusErr(503), callerError), callerError},
		{"status 400", bg, nil, statusErr(400), callerError},
		{"status 404", bg, nil, fmt.Errorf("get: %w", statusErr(404)), callerError},
		{"status 408", bg, nil, statusErr(408), retryableFailure},
		{"status 429", bg, nil, statusErr(429), endpoint.Outcome{Kind: endpoint.Overloaded, Retryable: true}},
		{"status 500", bg, nil, statusErr(500), retryableFailure},
		{"status 501", bg, nil, statusErr(501), endpoint.Outcome{Kind: endpoint.DependencyFailure}},
		{"status 503", bg, nil, statusErr(503), retryableFailure},
		{"context.Canceled from below", bg, nil, fmt.Errorf("call: %w", context.Canceled), callerError},
		{"DeadlineExceeded from below, no deadline here", bg, nil, context.DeadlineExceeded, retryableFailure},
		{"any other error", bg, nil, boom, retryableFailure},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx, cancel := tc.ctx()
				defer cancel()
				if got := endpoint.Classify(ctx, tc.resp, tc.err); got != tc.want {
					t.Errorf("Classify(%v) = %v, want %v", tc.err, got, tc.want)
				}
			})
		})
	}
}

func TestOutcomeOfStatus(t *testing.T) {
	for code, want := range map[int]endpoint.Outcome{
		200: {Kind: endpoint.Success},
		204: {Kind: endpoint.Success},
		304: {Kind: endpoint.Success},
		400: callerError,
		401: callerError,
		404: callerError,
		408: retryableFailure,
		409: callerError,
		429: {Kind: endpoint.Overloaded, Retryable: true},
		499: callerError,
		500: retryableFailure,
		501: {Kind: endpoint.DependencyFailure},
		502: retryableFailure,
		503: retryableFailure,
		504: retryableFailure,
	} {
		if got := endpoint.OutcomeOfStatus(code); got != want {
			t.Errorf("OutcomeOfStatus(%d) = %v, want %v", code, got, want)
		}
	}
}

func TestOutcomeStrings(t *testing.T) {
	for _, tc := range []struct {
		o      endpoint.Outcome
		s      string
		failed bool
	}{
		{endpoint.Outcome{Kind: endpoint.Success}, "success", false},
		{endpoint.Outcome{Kind: endpoint.BusinessError}, "business_error", false},
		{endpoint.Outcome{Kind: endpoint.CallerError}, "caller_error", false},
		{endpoint.Outcome{Kind: endpoint.DependencyFailure, Retryable: true}, "dependency_failure+retryable", true},
		{endpoint.Outcome{Kind: endpoint.Overloaded}, "overloaded", true},
		{endpoint.Outcome{Kind: endpoint.Kind(200)}, "unknown", false},
	} {
		if got := tc.o.String(); got != tc.s {
			t.Errorf("%#v.String() = %q, want %q", tc.o, got, tc.s)
		}
		if got := tc.o.Failed(); got != tc.failed {
			t.Errorf("%v.Failed() = %v, want %v", tc.o, got, tc.failed)
		}
	}
}

func TestWithOutcome(t *testing.T) {
	if err := endpoint.WithOutcome(nil, callerError); err != nil {
		t.Errorf("WithOutcome(nil) = %v, want nil", err)
	}
	base := errors.New("bad input")
	err := endpoint.WithOutcome(base, callerError)
	if !errors.Is(err, base) || err.Error() != "bad input" {
		t.Errorf("WithOutcome(%v) = %v, want it to wrap and read as the error", base, err)
	}
	var c endpoint.Classified
	if !errors.As(err, &c) || c.Outcome() != callerError {
		t.Errorf("WithOutcome(err, caller error) does not classify as a caller error")
	}
}

// TestTimeout checks that a call cut short by the Timeout middleware is the
// dependency's failure, and that its context's cause is ErrTimeout.
func TestTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var cause error
		slow := func(ctx context.Context, _ any) (any, error) {
			<-ctx.Done()
			cause = context.Cause(ctx)
			return nil, ctx.Err()
		}
		e := endpoint.Timeout(50 * time.Millisecond)(slow)
		start := time.Now()
		_, err := e(context.Background(), nil)
		if got := time.Since(start); got != 50*time.Millisecond {
			t.Errorf("call took %v, want 50ms", got)
		}
		if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(cause, endpoint.ErrTimeout) {
			t.Errorf("err = %v, cause = %v; want DeadlineExceeded caused by ErrTimeout", err, cause)
		}
		if got := endpoint.Classify(context.Background(), nil, err); got != retryableFailure {
			t.Errorf("Classify of a call cut by Timeout = %v, want %v", got, retryableFailure)
		}
		// A caller with less time than the Timeout keeps its own deadline.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
		defer cancel()
		_, err = e(ctx, nil)
		if errors.Is(cause, endpoint.ErrTimeout) {
			t.Errorf("cause under a shorter caller deadline = %v, want the caller's DeadlineExceeded", cause)
		}
		if got := endpoint.Classify(ctx, nil, err); got != callerError {
			t.Errorf("Classify of a call cut by the caller's deadline = %v, want %v", got, callerError)
		}
	})
}

func TestClassifySuccessAllocatesNothing(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var resp any = failer{} // boxed once, as a transport's response is
	if n := testing.AllocsPerRun(100, func() { endpoint.Classify(ctx, resp, nil) }); n != 0 {
		t.Errorf("Classify on success: %v allocs, want 0", n)
	}
	var err error = statusErr(503)
	if n := testing.AllocsPerRun(100, func() { endpoint.Classify(ctx, nil, err) }); n != 0 {
		t.Errorf("Classify of a 503: %v allocs, want 0", n)
	}
}

func BenchmarkClassify(b *testing.B) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b.Run("success", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			endpoint.Classify(ctx, "ok", nil)
		}
	})
	b.Run("status=503", func(b *testing.B) {
		err := error(statusErr(503))
		b.ReportAllocs()
		for b.Loop() {
			endpoint.Classify(ctx, nil, err)
		}
	})
}

func ExampleClassify() {
	ctx := context.Background()
	fmt.Println(endpoint.Classify(ctx, "ok", nil))
	fmt.Println(endpoint.Classify(ctx, nil, errors.New("connection refused")))
	fmt.Println(endpoint.Classify(ctx, nil, endpoint.WithOutcome(errors.New("no such user"), endpoint.Outcome{Kind: endpoint.CallerError})))

	// The caller gave up: whatever the dependency said, it is not its fault.
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	fmt.Println(endpoint.Classify(canceled, nil, errors.New("connection reset")))

	// This hop's own timeout is the dependency's failure.
	hop, cancel := endpoint.WithTimeout(ctx, 0)
	defer cancel()
	fmt.Println(endpoint.Classify(hop, nil, context.DeadlineExceeded))
	// Output:
	// success
	// dependency_failure+retryable
	// caller_error
	// caller_error
	// dependency_failure+retryable
}
