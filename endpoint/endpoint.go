package endpoint

import "context"

// Endpoint is the fundamental building block of servers and clients. It
// represents a single RPC method: it takes a request and returns a response
// or an error. An error means the call itself failed (a transport, timeout or
// infrastructure failure); business errors travel inside the response (see
// [Failer]).
//
// Endpoints must be safe for concurrent use.
type Endpoint func(ctx context.Context, request any) (response any, err error)

// Nop is an Endpoint that does nothing and returns an empty response and a nil
// error; useful in tests and as the innermost Endpoint of a benchmark.
func Nop(context.Context, any) (any, error) { return struct{}{}, nil }

// Middleware is a chainable behaviour modifier for endpoints: it returns an
// Endpoint that does something before and/or after calling next.
type Middleware func(next Endpoint) Endpoint

// Chain is a helper function for composing middlewares. Requests traverse them
// in the order they are declared: the first argument is the outermost
// middleware, and the last is the one closest to the Endpoint.
//
// The composition is done when the returned Middleware is applied, not on
// every call, so a chained Endpoint costs exactly what its middlewares cost.
func Chain(outer Middleware, others ...Middleware) Middleware {
	return func(next Endpoint) Endpoint {
		// Wrap from the innermost outward so that outer ends up first.
		for i := len(others) - 1; i >= 0; i-- {
			next = others[i](next)
		}
		return outer(next)
	}
}

// Failer may be implemented by response types that carry a business error.
// A transport can check for it to encode the error in its own way, and
// middlewares that count failures (circuit breakers, retries, metrics) can
// tell a rejected request from a broken backend.
//
// Failed returns nil when the response represents success.
type Failer interface {
	Failed() error
}
