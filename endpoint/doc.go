// Package endpoint defines the abstraction at the centre of kit: an Endpoint
// is one RPC method, and a Middleware decorates one.
//
// A service method becomes an Endpoint; everything else in kit either wraps an
// Endpoint in a Middleware (logging, metrics, circuit breaking, rate limiting,
// tracing, retries) or adapts one to a wire (transport/http, transport/grpc,
// transport/thrift). Because a transport client is also an Endpoint, the same
// middleware works on the server and on the client side.
//
// # Composition
//
// [Chain] composes middlewares so that the first argument is the outermost:
//
//	mw := endpoint.Chain(logging, metrics, breaker)
//	e := mw(sum) // logging(metrics(breaker(sum)))
//
// Composition happens once, at start-up; calling the composed Endpoint costs
// one function call per middleware and allocates nothing of its own.
//
// # Typed endpoints
//
// Endpoints take and return values of type any so that middlewares need not
// know a service's types. [FromFunc] turns a typed method such as
//
//	func (s Service) Sum(ctx context.Context, req SumRequest) (SumResponse, error)
//
// into an Endpoint, and [ToFunc] turns an Endpoint (a transport client, a load
// balancer's retry) back into a typed function for callers. These two helpers
// are the only place where a request or response changes type; a value of the
// wrong dynamic type yields a [*TypeError] that wraps [ErrWrongType], never a
// panic.
//
// # Business errors
//
// A response that implements [Failer] carries a business error (a bad
// argument, a missing record) inside a successful call. Middlewares such as
// circuit breakers and retries treat only the returned error as a failure of
// the call itself, so a client's bad input never trips a breaker.
//
// # The failure model
//
// Whose fault a call's result is, and whether to try again, has one answer
// in kit: [Classify], the default [Classifier], which sorts a call into a
// [Kind] (Success, BusinessError, CallerError, DependencyFailure,
// Overloaded) with a Retryable flag. Transports map their statuses into it
// (an error may implement [Classified], as kit's transport client errors,
// limiter refusals and breaker refusals do, or have a StatusCode() int);
// circuit breakers, outlier ejection, retries and adaptive limits read it,
// each taking a Classifier option so that a service overrides the policy
// in one place. Nothing a caller controls counts against a dependency: a
// malformed request and the caller's own cancellation or deadline, however
// short, are CallerErrors. A deadline is the dependency's failure only when
// this hop set it, with [WithTimeout] or the [Timeout] middleware, which
// mark it with [ErrTimeout].
//
// # Concurrency
//
// Endpoints and Middlewares are plain functions; every Endpoint in kit is safe
// for concurrent use, and user Endpoints are expected to be as well.
package endpoint
