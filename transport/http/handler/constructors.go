package handler

import (
	"net/http"
	"time"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/ratelimit"
)

// Ready-made handler middleware for the common cases, one line each for a
// net/http service. Each is [Middleware] over the kit middleware it names,
// so refusals are written and outcomes classified as the package doc says.
// Those whose middleware lives in a package with dependencies of its own
// (circuitbreaker's breakers, a limiter over golang.org/x/time/rate) are
// not here, to keep this package on the standard library; they are one
// line too:
//
//	handler.Middleware(breaker.Middleware)
//	handler.Middleware(ratelimit.NewErroringLimiter(rate.NewLimiter(100, 100)))
//
// Use several kit middlewares in one Middleware(endpoint.Chain(...)) rather
// than stacking these where it matters: each adapter wraps the writer and
// allocates its own request value.

// Timeout returns handler middleware that gives each request at most d
// through endpoint.Timeout: the handler's r.Context() ends when d passes,
// with endpoint.ErrTimeout as its cause, and a request cut short counts as
// this service's own failure, not the caller's. The handler must watch its
// context (as database and HTTP clients do); when it returns without
// writing, the adapter writes 504 Gateway Timeout.
func Timeout(d time.Duration) func(http.Handler) http.Handler {
	return Middleware(endpoint.Timeout(d))
}

// RateLimit returns handler middleware that refuses a request with 429 Too
// Many Requests when a.Allow() is false, without calling the handler
// (ratelimit.NewErroringLimiter). A *rate.Limiter of golang.org/x/time/rate
// is an Allower, and so is ratelimit.AllowerFunc.
func RateLimit(a ratelimit.Allower) func(http.Handler) http.Handler {
	return Middleware(ratelimit.NewErroringLimiter(a))
}

// ConcurrencyLimit returns handler middleware that lets at most n requests
// run the handler at once and refuses the others at once with 429 Too Many
// Requests (a ratelimit.Bulkhead; n below 1 is taken as 1), so that a slow
// dependency cannot hold every goroutine of the service. For a limit that
// adapts to latency, use Middleware(ratelimit.NewAdaptive(...).Middleware).
func ConcurrencyLimit(n int) func(http.Handler) http.Handler {
	return Middleware(ratelimit.NewBulkhead(n).Middleware)
}
