package circuitbreaker

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/sony/gobreaker/v2"

	"github.com/endpointkit/kit/endpoint"
)

// Gobreaker returns a Middleware that runs each call through cb, a
// github.com/sony/gobreaker/v2 breaker, as Go kit's adapter of the same name
// does, with three differences:
//
//   - outcomes are classified (see [WithClassifier]; by default
//     [DefaultClassify]): a business error, a client error or the caller's
//     own cancellation reaches cb as a success, so it cannot trip it. (cb
//     can only be told success or failure once built; to have it skip
//     ignored calls altogether, classify them yourself and set its
//     Settings.IsExcluded.)
//   - a call cb refuses returns an error that wraps both [ErrOpen] and
//     gobreaker's own (ErrOpenState or ErrTooManyRequests);
//   - with [WithStateChange] or [WithStateGauge], the state is read after
//     each call and changes are reported outside gobreaker's lock. Settings.
//     OnStateChange, by contrast, runs under that lock and must not call
//     back into cb.
//
// The breaker is shared by every Endpoint the Middleware wraps.
func Gobreaker(cb *gobreaker.CircuitBreaker[any], opts ...Option) endpoint.Middleware {
	cfg := newConfig(opts)
	watch := cfg.onStateChange != nil || cfg.watchGauge
	var last atomic.Int32 // the state last reported
	last.Store(int32(cb.State()))
	cfg.gauge.Set(float64(last.Load()))
	report := func() {
		now := int32(cb.State())
		if prev := last.Swap(now); prev != now {
			cfg.notify(State(prev), State(now))
		}
	}
	return func(next endpoint.Endpoint) endpoint.Endpoint {
		return func(ctx context.Context, request any) (any, error) {
			var (
				resp   any
				err    error
				called bool
			)
			_, cbErr := cb.Execute(func() (any, error) {
				called = true
				resp, err = next(ctx, request)
				if cfg.outcome(ctx, resp, err) == Failure {
					return nil, err
				}
				return nil, nil
			})
			if watch {
				report()
			}
			if !called {
				return nil, refused(cbErr)
			}
			return resp, err
		}
	}
}

// refused wraps an error with which gobreaker refused a call.
func refused(err error) error {
	if errors.Is(err, gobreaker.ErrOpenState) || errors.Is(err, gobreaker.ErrTooManyRequests) {
		return fmt.Errorf("%w: %w", ErrOpen, err)
	}
	return err
}
