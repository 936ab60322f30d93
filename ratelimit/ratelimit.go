package ratelimit

import (
	"context"

	"github.com/endpointkit/kit/endpoint"
)

// ErrLimited is returned, possibly wrapped, by every middleware in this
// package when it refuses a call. Test with errors.Is(err, ErrLimited); the
// more specific [ErrInFlight] wraps it.
//
// It classifies as a retryable [endpoint.Overloaded] refusal (it implements
// [endpoint.Classified], and so does every error that wraps it): a server
// that returns it answers 429 (HTTP) or ResourceExhausted (gRPC), a retry
// may try another instance, and outlier ejection does not hold it against
// an instance.
var ErrLimited error = &limitError{msg: "ratelimit: limit exceeded"}

// limitError is a refusal of this package.
type limitError struct {
	msg     string
	wrapped error // ErrLimited for the more specific refusals
}

func (e *limitError) Error() string { return e.msg }
func (e *limitError) Unwrap() error { return e.wrapped }

// Outcome implements endpoint.Classified: a retryable Overloaded refusal.
func (e *limitError) Outcome() endpoint.Outcome {
	return endpoint.Outcome{Kind: endpoint.Overloaded, Retryable: true}
}

// Allower decides, without waiting, whether one more event may happen now.
// *rate.Limiter from golang.org/x/time/rate satisfies it. Implementations
// must be safe for concurrent use.
type Allower interface {
	Allow() bool
}

// AllowerFunc is an adapter to use an ordinary function as an [Allower].
type AllowerFunc func() bool

// Allow calls f.
func (f AllowerFunc) Allow() bool { return f() }

// Waiter blocks until one more event may happen, or returns an error when
// it cannot happen before ctx is done. *rate.Limiter satisfies it, and
// returns at once when the wait would outlive ctx's deadline.
// Implementations must be safe for concurrent use.
type Waiter interface {
	Wait(ctx context.Context) error
}

// WaiterFunc is an adapter to use an ordinary function as a [Waiter].
type WaiterFunc func(ctx context.Context) error

// Wait calls f.
func (f WaiterFunc) Wait(ctx context.Context) error { return f(ctx) }

// NewErroringLimiter returns a Middleware that returns [ErrLimited] at once
// when limit does not allow a call, and calls the next Endpoint otherwise.
func NewErroringLimiter(limit Allower) endpoint.Middleware {
	return func(next endpoint.Endpoint) endpoint.Endpoint {
		return func(ctx context.Context, request any) (any, error) {
			if !limit.Allow() {
				return nil, ErrLimited
			}
			return next(ctx, request)
		}
	}
}

// NewDelayingLimiter returns a Middleware that waits for limit before it
// calls the next Endpoint. When the wait fails (ctx ended, or the wait
// would outlive its deadline, which *rate.Limiter tells at once rather than
// after waiting) the call fails with an error that wraps both [ErrLimited]
// and the Waiter's error.
func NewDelayingLimiter(limit Waiter) endpoint.Middleware {
	return func(next endpoint.Endpoint) endpoint.Endpoint {
		return func(ctx context.Context, request any) (any, error) {
			if err := limit.Wait(ctx); err != nil {
				return nil, &waitError{err: err}
			}
			return next(ctx, request)
		}
	}
}

// waitError is a failed wait: it is an ErrLimited and unwraps to the cause.
type waitError struct{ err error }

func (e *waitError) Error() string   { return "ratelimit: limit exceeded: " + e.err.Error() }
func (e *waitError) Unwrap() []error { return []error{ErrLimited, e.err} }
