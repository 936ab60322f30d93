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
//   - outcomes are classified (see [BreakerClassifier]; by default
//     [endpoint.Classify]): a business error or a caller error (a 4xx, an
//     InvalidArgument, the caller's own cancellation or deadline) reaches
//     cb as a success, so it cannot trip it; a DependencyFailure or an
//     Overloaded refusal reaches it as a failure. (cb can only be told
//     success or failure once built; to have it skip caller errors
//     altogether, set its Settings.IsExcluded to a function that
//     classifies them.) A call that returned no error but is classified a
//     failure reaches cb with an error of kit's, and its caller still gets
//     the response and a nil error;
//   - a call cb refuses returns an error that wraps both [ErrOpen] and
//     gobreaker's own (ErrOpenState or ErrTooManyRequests);
//   - with [BreakerStateChange] or [BreakerStateGauge], the state is read after
//     each call and changes are reported outside gobreaker's lock. Settings.
//     OnStateChange, by contrast, runs under that lock and must not call
//     back into cb.
//
// The breaker is shared by every Endpoint the Middleware wraps.
func Gobreaker(cb *gobreaker.CircuitBreaker[any], opts ...Option) endpoint.Middleware {
	g := &gobreakerMW{cb: cb, cfg: newConfig(opts)}
	g.watch = g.cfg.onStateChange != nil || g.cfg.watchGauge
	g.last.Store(int32(cb.State()))
	g.cfg.gauge.Set(float64(g.last.Load()))
	return func(next endpoint.Endpoint) endpoint.Endpoint {
		return func(ctx context.Context, request any) (any, error) {
			var (
				called bool
				hidden error // next's error, when cb was told otherwise
			)
			// The response travels back through Execute's result, so
			// with the default classifier the success path stores
			// nothing but the called flag.
			resp, cbErr := cb.Execute(func() (any, error) {
				called = true
				resp, err := next(ctx, request)
				if err == nil && !g.cfg.customClass {
					return resp, nil
				}
				hidden = err
				return resp, g.told(ctx, resp, err)
			})
			if g.watch {
				g.report()
			}
			if !called {
				return nil, refused(cbErr)
			}
			return resp, hidden
		}
	}
}

// gobreakerMW is what every Endpoint wrapped by one Gobreaker middleware
// shares.
type gobreakerMW struct {
	cb    *gobreaker.CircuitBreaker[any]
	cfg   config
	watch bool         // a hook or gauge wants state changes
	last  atomic.Int32 // the state last reported
}

// report reads cb's state and reports a change since the last report.
func (g *gobreakerMW) report() {
	now := int32(g.cb.State())
	if prev := g.last.Swap(now); prev != now {
		g.cfg.notify(State(prev), State(now))
	}
}

// errClassified is what cb sees for a call that returned no error but was
// classified a Failure (a custom classifier saw a bad response).
var errClassified = errors.New("circuitbreaker: call classified as a failure")

// told returns the error cb is told for a call that returned err: err
// itself, or errClassified for a nil err, when the call failed; nil
// otherwise.
func (g *gobreakerMW) told(ctx context.Context, resp any, err error) error {
	if !failed(g.cfg.classify(ctx, resp, err)) {
		return nil
	}
	if err == nil {
		return errClassified
	}
	return err
}

// refused wraps an error with which gobreaker refused a call.
func refused(err error) error {
	if errors.Is(err, gobreaker.ErrOpenState) || errors.Is(err, gobreaker.ErrTooManyRequests) {
		return fmt.Errorf("%w: %w", ErrOpen, err)
	}
	return err
}
