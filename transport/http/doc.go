// Package http adapts endpoints to HTTP: a [Server] is an http.Handler that
// decodes a request, calls an Endpoint and encodes its response, and a
// [Client] turns a remote HTTP method back into an Endpoint.
//
// The shapes are Go kit's: NewServer(e, dec, enc, options...) and
// NewClient(method, url, enc, dec, options...).Endpoint(), with Before, After,
// ErrorEncoder, ErrorHandler and Finalizer options. What kit adds is a server
// that answers bad input with the right status instead of 500, survives a
// panicking endpoint, bounds request bodies, propagates deadlines, and JSON
// helpers with generic typed decoders so that a plain-JSON method needs no
// hand-written codec:
//
//	sum := endpoint.FromFunc(svc.Sum) // func(ctx, SumRequest) (SumResponse, error)
//	mux.Handle("POST /sum", http.NewServer(sum,
//		http.DecodeJSONRequest[SumRequest], http.EncodeJSONResponse))
//
//	call := endpoint.ToFunc[SumRequest, SumResponse](http.NewClient("POST", u,
//		http.EncodeJSONRequest, http.DecodeJSONResponse[SumResponse]).Endpoint())
//
// # Errors on the server
//
// Every error the Server meets is passed to the [ErrorEncoder] (when nothing
// has been written yet), then to the [ErrorHandler] (to log or count it),
// with a *transport.Call in the context naming the route, the peer and the
// status actually sent; [LogErrorHandler] logs a caller's error at warn and
// the service's failures at error (see package transport). [DefaultErrorEncoder] writes the
// status from the error's StatusCode() int method if it has one (found with
// errors.As, so wrapping keeps it), the headers from its Headers()
// http.Header method, and a body that is the error's own JSON when it
// implements json.Marshaler, and {"error": "<message>"} otherwise. The
// full mapping:
//
//	request body over the limit (ServerMaxBodyBytes)  413 Request Entity Too Large
//	Content-Type other than JSON (DecodeJSONRequest)  415 Unsupported Media Type
//	any other decode error without a StatusCode       400 Bad Request
//	malformed TimeoutHeader                           400 Bad Request
//	TimeoutHeader budget already spent                504 Gateway Timeout, endpoint not run
//	panic in a decoder, endpoint or encoder           500 Internal Server Error, body
//	                                                  {"error":"internal server error"}
//	endpoint error with StatusCode() int              that status
//	endpoint error wrapping context.DeadlineExceeded  504 Gateway Timeout
//	endpoint error classified Overloaded              429 Too Many Requests
//	  (endpoint.Classified: ratelimit.ErrLimited,
//	  circuitbreaker.ErrOpen)
//	endpoint error classified CallerError             400 Bad Request
//	any other endpoint or encoder error               500 Internal Server Error
//
// For 5xx statuses DefaultErrorEncoder sends the status text ("Internal
// Server Error"; "deadline exceeded" for a deadline), not the error's
// message, which reaches only the ErrorHandler: an internal error's text
// may name a database, a downstream or a Go type. 4xx messages are sent, and
// decode errors name JSON members and kinds, never Go types. An error
// implementing json.Marshaler chooses its own body; [VerboseErrorEncoder]
// sends every message, for development.
//
// A panic is recovered into a [*PanicError] (value and stack) that reaches the
// ErrorHandler; the process and the server keep running. The panic value is
// not sent to the client. A panic after the response has started (an
// encoder that wrote part of the body) cannot become a 500: the Server then
// aborts the connection with http.ErrAbortHandler, as net/http does, so the
// client sees a failed response, never a truncated body that looks whole.
// http.ErrAbortHandler itself is re-raised, as net/http expects.
//
// Business errors are not transport errors: return them inside the response
// (see endpoint.Failer) and let the response encoder choose how to show them.
//
// # Errors on the client
//
// The Client hands every response, whatever its status, to the response
// decoder. The decoders in this package ([DecodeJSONResponse]) return a
// [*ResponseError] carrying the status, headers and (the first 64 KiB of) the
// body for any non-2xx response; a hand-written decoder should call
// [ErrorFromResponse] first for the same behaviour. Transport failures,
// cancellation and deadlines are returned as net/http reports them, so
// errors.Is(err, context.DeadlineExceeded) works.
//
// A *ResponseError classifies by its status in kit's failure model
// (endpoint.OutcomeOfStatus): a 4xx is the caller's error and trips no
// breaker, ejects no instance and is not retried; a 429 is an Overloaded
// refusal; a 5xx, like a refused connection, is the dependency's failure.
//
// # Deadlines
//
// When the context of a client call has a deadline, the Client sends the
// remaining budget in [TimeoutHeader] as whole milliseconds (rounded up), and
// the Server applies it to the request's context, so that work on the server
// stops when the caller has given up. A budget that is already spent when the
// request arrives is refused with 504 without running the endpoint.
//
// The header comes from the caller, so the Server's [TimeoutPolicy] decides
// how far to trust it ([ServerTimeoutPolicy]): by default a budget is taken
// up to [DefaultTimeoutCap] (30s), and a longer one gives the request this
// hop's own limit of 30s instead; [HonorTimeout] takes any budget, for
// servers whose callers are all trusted; [IgnoreTimeout] reads no header.
// A budget taken from the header is the caller's deadline: calls it cuts
// short are the caller's errors in kit's failure model, so callers sending
// tiny budgets cannot open the breakers or shrink the limits other callers
// share.
//
// # Concurrency
//
// Server and Client are immutable after construction and safe for concurrent
// use; the functions given to them must be too.
package http
