package loadbalancer

import (
	"context"
	"time"

	"github.com/endpointkit/kit/endpoint"
)

// Callback decides after the n-th failed attempt (n counts from 1) whether
// to try again. A non-nil replacement becomes the Final error of the
// RetryError.
type Callback func(n int, received error) (keepTrying bool, replacement error)

// Retry returns an Endpoint that calls an endpoint from b, and on error tries
// again with a fresh pick, up to max attempts in all, within timeout overall
// (this hop's own limit, set with endpoint.WithTimeout: a call it cuts short
// is the dependency's failure, not the caller's). It is Go kit's shape, and
// like Go kit's it retries every error; for backoff, per-attempt timeouts, budgets and
// classification use [RetryWith]. Attempts run on the caller's goroutine:
// endpoints must return when their context is done.
func Retry(max int, timeout time.Duration, b Balancer) endpoint.Endpoint {
	return RetryWithCallback(timeout, b, func(n int, _ error) (bool, error) { return n < max, nil })
}

// RetryWithCallback is [Retry] with the decision to go on left to cb. A nil
// cb means "always retry" (until the timeout), as in Go kit.
func RetryWithCallback(timeout time.Duration, b Balancer, cb Callback) endpoint.Endpoint {
	if cb == nil {
		cb = func(int, error) (bool, error) { return true, nil }
	}
	return func(ctx context.Context, req any) (any, error) {
		ctx, cancel := endpoint.WithTimeout(ctx, timeout)
		defer cancel()
		var final RetryError
		for n := 1; ; n++ {
			e, err := b.Endpoint()
			if err != nil {
				final.RawErrors = append(final.RawErrors, err)
				final.Final = err
				return nil, &final
			}
			resp, err := e(ctx, req)
			if err == nil {
				return resp, nil
			}
			final.RawErrors = append(final.RawErrors, err)
			final.Final = err
			if ctx.Err() != nil {
				final.Final = ctx.Err()
				return nil, &final
			}
			keep, replacement := cb(n, err)
			if replacement != nil {
				final.Final = replacement
			}
			if !keep {
				return nil, &final
			}
		}
	}
}
