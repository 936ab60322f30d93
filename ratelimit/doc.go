// Package ratelimit provides endpoint middlewares that limit how often and
// how many calls go through: on the server side to protect a service from
// its callers, on the client side to protect a dependency from a service.
//
// # Rates
//
// [NewErroringLimiter] refuses calls its [Allower] does not allow, with
// [ErrLimited]; [NewDelayingLimiter] waits on a [Waiter] and fails fast when
// the wait would outlive the caller's deadline. Both take
// *rate.Limiter from golang.org/x/time/rate as it is, or any other
// implementation; the package itself imports only the standard library and
// kit's core, so the rate package stays a choice of the caller.
//
//	lim := rate.NewLimiter(100, 20) // 100/s, bursts of 20
//	e = ratelimit.NewErroringLimiter(lim)(e)
//
// [Keyed] keeps a limiter per key (a caller, a tenant) with bounded memory.
// Subpackage redis shares one limit between every instance of a service.
//
// # Concurrency limits
//
// [Bulkhead] is a fixed limit on calls in flight. [Adaptive] finds the
// limit from observed latency (TCP Vegas style) and exports it, and the
// number in flight, through metrics gauges. Both refuse with [ErrInFlight],
// which wraps ErrLimited.
//
// # Errors
//
// Every refusal satisfies errors.Is(err, ErrLimited), and classifies as a
// retryable endpoint.Overloaded refusal in kit's failure model (see
// [endpoint.Classify]): a server answers it with 429 or ResourceExhausted.
// [Adaptive] reads the same model to tell its own timeouts, which cut the
// limit, from the caller's, which do not.
//
// # Concurrency
//
// Every type in the package is safe for concurrent use, and no type starts
// a goroutine.
package ratelimit
