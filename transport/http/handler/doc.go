// Package handler runs kit's Endpoint middlewares around plain net/http
// handlers, for services that were not written around Endpoints.
//
// [Middleware] turns any [endpoint.Middleware] (a circuit breaker, a rate or
// concurrency limit, an Adaptive limit, a timeout, metrics, logging, or an
// [endpoint.Chain] of them) into a func(http.Handler) http.Handler, the
// shape routers and http.ServeMux users already compose:
//
//	breaker := circuitbreaker.NewBreaker(circuitbreaker.Settings{})
//	limit := ratelimit.NewErroringLimiter(rate.NewLimiter(100, 100))
//	mux.Handle("GET /items/{id}", handler.Middleware(endpoint.Chain(limit, breaker.Middleware))(items))
//
// The wrapped handler is the Endpoint the middleware calls. Its context is
// the one the middleware passes on, so a deadline set by [endpoint.Timeout]
// or a value added to the context reaches the handler through r.Context().
// The response writer it receives records the status and the bytes written;
// it unwraps (Unwrap() http.ResponseWriter) for http.ResponseController and
// answers the http.Flusher and http.Hijacker type assertions by delegating to
// the writer beneath, so streaming and protocol upgrades keep working.
//
// # Ready-made middleware
//
// One line each for the common cases: [Metrics] (request metrics labelled
// by method, route and status, named as promhttp names them; see package
// metrics/instrument), [AccessLog] (one slog line per request, at a level
// that follows the outcome), [Timeout], [RateLimit] and [ConcurrencyLimit].
// [MetricsMiddleware] and [AccessLogMiddleware] are the endpoint
// middlewares behind the first two, to put in one chain with others.
//
// # Outcomes
//
// The middleware learns how the call went from what the Endpoint returns,
// classified by kit's one failure model (endpoint.Classify):
//
//   - 1xx, 2xx and 3xx: a nil error and a [*Response] with the status and
//     the bytes written;
//   - 4xx and 5xx: the same [*Response] and a [*StatusError], whose Outcome
//     is [endpoint.OutcomeOfStatus] of the status. A 5xx is a
//     DependencyFailure and a 429 is Overloaded, which breakers count; any
//     other 4xx is a CallerError, which breakers, outlier ejection and the
//     Adaptive limit ignore, so nothing a caller sends can open a breaker.
//     A 4xx is an error rather than a successful response with a Failer
//     (a BusinessError) on purpose: a breaker counts a BusinessError as a
//     success, so a flood of bad requests would dilute real failures and
//     keep a breaker from opening. A logging or metrics middleware sees a 4xx
//     as an error, and endpoint.Classify tells it that it is the caller's.
//
// The response has been written by then; the adapter writes nothing more.
// A handler that returns without writing anything once its context's
// deadline has passed (it gave up, as a handler watching r.Context()
// does under [Timeout]) returns an error wrapping
// context.DeadlineExceeded instead of an empty 200, which the adapter
// writes as 504 Gateway Timeout.
//
// When the middleware refuses without calling the handler (a limiter's
// ratelimit.ErrLimited, an open breaker's circuitbreaker.ErrOpen), the
// adapter writes its error with transport/http's DefaultErrorEncoder, or the
// encoder given with [ErrorEncoder]: 429 Too Many Requests for an Overloaded
// refusal, 504 for a deadline, the status an error chooses itself (StatusCode
// int), 500 otherwise. More generally, an error the middleware returns is
// written whenever nothing has been written to the response yet. A
// middleware that neither calls the handler nor returns an error leaves the
// response empty (net/http sends 200 with no body).
//
// # Panics
//
// A panic in the handler is not swallowed. The adapter recovers it, returns
// it to the middleware as a transport/http *PanicError (a 500, so metrics,
// logs and breakers record a failure, and a half-open breaker's probe is
// returned), and panics again with the same value once the middleware has
// returned, so that net/http, or a recovery middleware outside this one,
// handles it exactly as it would without the adapter (http.ErrAbortHandler
// included). The stack the second panic shows is the adapter's; the
// handler's is in the *PanicError's Stack.
//
// # Routes
//
// [Route] returns the http.ServeMux pattern that matched a request ("GET
// /items/{id}"), never its raw path, for metrics labels of bounded
// cardinality. Wrap each route's handler (as above) to have the pattern
// before the middleware runs; when the adapter wraps a whole ServeMux, the
// pattern is known only once the handler has returned.
//
// # Contract for the middleware
//
// The middleware must call the Endpoint at most once, and before it returns
// (a retry does not belong around a handler that writes a response: a second
// call returns [ErrCalledTwice] without running the handler). It must pass
// on the request value it received; it may change the context.
package handler
