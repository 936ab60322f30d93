package endpoint

import (
	"context"
	"errors"
	"time"
)

// Kind says whose fault the result of one call is. It is kit's one failure
// model: transports map their status codes into it, and every resilience
// piece (circuit breakers, outlier ejection, retries, adaptive limits,
// tracing) reads it, so that they agree on what a failure is.
type Kind uint8

const (
	// Success means the call worked.
	Success Kind = iota
	// BusinessError means the dependency answered properly with a
	// business error, carried in a response that implements [Failer]. The
	// dependency is healthy.
	BusinessError
	// CallerError means the caller is to blame: a malformed or refused
	// request (an HTTP 4xx, gRPC InvalidArgument), or the caller's own
	// cancellation or deadline. It says nothing about the dependency's
	// health, so nothing a caller controls can trip a breaker or eject an
	// instance.
	CallerError
	// DependencyFailure means the dependency, or the way to it, failed: an
	// HTTP 5xx, gRPC Unavailable or Internal, a connection error, or this
	// hop's own timeout (see [ErrTimeout]).
	DependencyFailure
	// Overloaded means the call was refused to shed load: a rate or
	// concurrency limit, HTTP 429, gRPC ResourceExhausted, an open breaker.
	Overloaded
)

var kindNames = [...]string{
	Success:           "success",
	BusinessError:     "business_error",
	CallerError:       "caller_error",
	DependencyFailure: "dependency_failure",
	Overloaded:        "overloaded",
}

// String returns the Kind's name in snake case, as a metric label or a log
// value would spell it: "success", "business_error", "caller_error",
// "dependency_failure" or "overloaded".
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// Outcome is the classification of one call: its Kind, and whether trying
// again (on another instance, after a backoff) may succeed. Whether a retry
// is safe (idempotency) is the caller's decision, not the Outcome's.
type Outcome struct {
	Kind      Kind
	Retryable bool
}

// Failed reports whether the Outcome counts against the dependency's
// health: a DependencyFailure or an Overloaded refusal.
func (o Outcome) Failed() bool { return o.Kind == DependencyFailure || o.Kind == Overloaded }

// String returns the Kind's name, with "+retryable" when Retryable is set.
func (o Outcome) String() string {
	if o.Retryable {
		return o.Kind.String() + "+retryable"
	}
	return o.Kind.String()
}

// Classifier decides the Outcome of one call from the context the call was
// made with (as the middleware asking received it) and what the call
// returned. A Classifier must be safe for concurrent use; it is called after
// every call, outside any lock.
//
// [Classify] is the default of every kit package that takes one; a user who
// wants another policy writes one Classifier and passes it to each of them.
type Classifier func(ctx context.Context, response any, err error) Outcome

// Classified may be implemented by errors that know their own Outcome. Kit's
// transports return such errors for the statuses they receive (an HTTP
// response status, a gRPC code), and kit's limiters and breakers for their
// refusals; a user's error may implement it too. [Classify] finds it
// anywhere in an error's tree, through Unwrap() error and Unwrap() []error
// as errors.As walks it (As methods are not consulted).
type Classified interface {
	Outcome() Outcome
}

// ErrTimeout is the cause of a context that this hop's own timeout ended
// ([Timeout], [WithTimeout], a retry's per-attempt timeout, a server's own
// cap on a request's time). A call cut short by it is a DependencyFailure:
// the dependency was too slow for a limit the service chose. A deadline
// set otherwise is the caller's, and a call it cuts short is a CallerError.
var ErrTimeout = errors.New("endpoint: timeout")

// hopDeadline is the context key under which WithTimeout records the
// deadline it set, so that Classify can tell it from the caller's.
type hopDeadline struct{}

// WithTimeout is context.WithTimeout for this hop's own limits: the
// context's cause is [ErrTimeout] when d passes first, and [Classify] counts
// a call it cuts short as a DependencyFailure rather than a CallerError.
func WithTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	dl := time.Now().Add(d)
	return context.WithDeadlineCause(context.WithValue(ctx, hopDeadline{}, dl), dl, ErrTimeout)
}

// Timeout returns a Middleware that gives each call at most d through
// [WithTimeout], so that a call it cuts short counts as the dependency's
// failure rather than the caller's.
func Timeout(d time.Duration) Middleware {
	return func(next Endpoint) Endpoint {
		return func(ctx context.Context, req any) (any, error) {
			ctx, cancel := WithTimeout(ctx, d)
			defer cancel()
			return next(ctx, req)
		}
	}
}

// WithOutcome returns an error that wraps err and classifies as o, for
// errors that cannot implement [Classified] themselves. It returns nil when
// err is nil.
func WithOutcome(err error, o Outcome) error {
	if err == nil {
		return nil
	}
	return &classifiedError{err: err, o: o}
}

type classifiedError struct {
	err error
	o   Outcome
}

func (e *classifiedError) Error() string    { return e.err.Error() }
func (e *classifiedError) Unwrap() error    { return e.err }
func (e *classifiedError) Outcome() Outcome { return e.o }

// deadlineSlack is how close to its deadline a caller may be for a timeout
// reported by the dependency to count as the caller's. A deadline
// propagated to a server (as kit's transports do) expires there up to a
// millisecond before it does here, so the server's "deadline exceeded" can
// arrive just before the caller's own context ends.
const deadlineSlack = 2 * time.Millisecond

// Classify is the default [Classifier]. In order:
//
//   - a nil error is a Success, or a BusinessError when the response is a
//     [Failer] whose Failed() is not nil;
//   - when ctx is done, the caller gave up or ran out of time: CallerError,
//     whatever the error, unless ctx's cause is [ErrTimeout] (this hop's own
//     timeout), which is a retryable DependencyFailure;
//   - a timeout reported from below (context.DeadlineExceeded, or an error
//     whose Timeout() is true, as net.Error's) while ctx is within 2ms of
//     a deadline that is the caller's (not set by [WithTimeout]) is that
//     deadline seen first by the dependency: CallerError;
//   - an error that implements [Classified] (anywhere in its chain) says
//     what it is;
//   - an error with StatusCode() int is classified by HTTP semantics: 429 is
//     a retryable Overloaded, 408 and 5xx are retryable DependencyFailures
//     (but 501 is not retryable), other 4xx are CallerErrors;
//   - context.Canceled from below is a CallerError; any other error,
//     context.DeadlineExceeded from a timeout below this hop included, is a
//     retryable DependencyFailure.
//
// Classify allocates nothing and reads the clock only for a timeout error
// while ctx has a deadline.
func Classify(ctx context.Context, response any, err error) Outcome {
	if err == nil {
		if f, ok := response.(Failer); ok && f.Failed() != nil {
			return Outcome{Kind: BusinessError}
		}
		return Outcome{Kind: Success}
	}
	if ctx.Err() != nil {
		if errors.Is(context.Cause(ctx), ErrTimeout) {
			return Outcome{Kind: DependencyFailure, Retryable: true}
		}
		return Outcome{Kind: CallerError}
	}
	if isTimeout(err) && callerDeadlineSpent(ctx) {
		return Outcome{Kind: CallerError}
	}
	if c, ok := find[Classified](err); ok {
		return c.Outcome()
	}
	if sc, ok := find[interface{ StatusCode() int }](err); ok {
		return OutcomeOfStatus(sc.StatusCode())
	}
	if errors.Is(err, context.Canceled) {
		return Outcome{Kind: CallerError}
	}
	return Outcome{Kind: DependencyFailure, Retryable: true}
}

// OutcomeOfStatus classifies an HTTP status code as [Classify] does: 2xx
// and 3xx Success, 429 retryable Overloaded, 408 and 5xx retryable
// DependencyFailure (501 Not Implemented not retryable), other 4xx
// CallerError. Transports other than HTTP use it for statuses modelled on
// HTTP's.
func OutcomeOfStatus(code int) Outcome {
	switch {
	case code < 400:
		return Outcome{Kind: Success}
	case code == 429:
		return Outcome{Kind: Overloaded, Retryable: true}
	case code == 408:
		return Outcome{Kind: DependencyFailure, Retryable: true}
	case code < 500:
		return Outcome{Kind: CallerError}
	case code == 501:
		return Outcome{Kind: DependencyFailure}
	}
	return Outcome{Kind: DependencyFailure, Retryable: true}
}

// isTimeout reports whether err says a deadline passed: context's
// DeadlineExceeded, or an error whose Timeout() is true (net.Error,
// url.Error, kit's transport errors for 504 and DeadlineExceeded).
func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	t, ok := find[interface{ Timeout() bool }](err)
	return ok && t.Timeout()
}

// find returns the first error in err's tree (depth first, as errors.As
// walks it) that implements T. Unlike errors.As it allocates nothing: the
// target of errors.As escapes to the heap, which on this per-call path cost
// three allocations per failed call. It does not consult As methods.
func find[T any](err error) (T, bool) {
	for err != nil {
		if t, ok := err.(T); ok {
			return t, true
		}
		switch u := err.(type) {
		case interface{ Unwrap() error }:
			err = u.Unwrap()
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				if t, ok := find[T](e); ok {
					return t, true
				}
			}
			err = nil
		default:
			err = nil
		}
	}
	var zero T
	return zero, false
}

// callerDeadlineSpent reports whether ctx's deadline, if any, is (nearly)
// reached and is the caller's rather than one set by WithTimeout.
func callerDeadlineSpent(ctx context.Context) bool {
	dl, ok := ctx.Deadline()
	if !ok || time.Until(dl) >= deadlineSlack {
		return false
	}
	hop, ok := ctx.Value(hopDeadline{}).(time.Time)
	return !ok || hop.After(dl)
}
