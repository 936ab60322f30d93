// Package jsonrpc serves and calls endpoints with JSON-RPC 2.0 over HTTP.
//
// A [Server] is an http.Handler mapping method names to endpoints through an
// [EndpointCodecMap]; it implements the whole of the JSON-RPC 2.0
// specification: single requests, batches (answered as an array, in order)
// and notifications (requests without an id, which get no response), with
// the specification's error codes. A [Client] calls one remote method as an
// Endpoint.
//
//	srv := jsonrpc.NewServer(jsonrpc.EndpointCodecMap{
//		"sum": {Endpoint: sum, Decode: jsonrpc.DecodeParams[SumRequest], Encode: jsonrpc.EncodeResult},
//	})
//
//	call := endpoint.ToFunc[SumRequest, SumResponse](
//		jsonrpc.NewClient(u, "sum", jsonrpc.ClientResponseDecoder(jsonrpc.DecodeResult[SumResponse])).Endpoint())
//
// # Errors and HTTP statuses
//
// Errors are JSON-RPC error objects ([*Error]). An endpoint error that is an
// *Error, or has an ErrorCode() int method, keeps its code and message; an
// error classified as a CallerError (endpoint.Classified) is InvalidParams
// with its message (it tells the caller what to fix); any other endpoint
// error is InternalError with the message "internal error" (its text may
// name a database, a downstream or a Go type: it reaches the ErrorHandler
// only, unless [ServerVerboseErrors] is given); a panic is InternalError
// with the same generic message, reported to the ErrorHandler, and the
// server keeps serving. Messages about a malformed request or params name
// JSON members and kinds, never Go types.
//
// Unlike a bare JSON-RPC server, the HTTP status tells what happened, so that
// proxies, logs and retries see failures:
//
//	single request answered with a result          200 OK
//	ParseError, InvalidRequest, InvalidParams      400 Bad Request
//	MethodNotFound                                 404 Not Found
//	error classified Overloaded (a limiter's or    429 Too Many Requests
//	breaker's refusal, endpoint.Classified)
//	error classified CallerError                   400 Bad Request
//	DeadlineExceeded (kit's -32001)                504 Gateway Timeout
//	InternalError and other error codes            500 Internal Server Error
//	a batch (whatever its members' outcomes)       200 OK, an array of responses
//	only notifications (nothing to answer)         204 No Content
//	HTTP method other than POST                    405 Method Not Allowed
//	Content-Type that is not JSON                  415 Unsupported Media Type
//	body over ServerMaxBodyBytes                   413 Request Entity Too Large
//
// A Client's error responses classify in kit's failure model: an *Error by
// its code ([Error.Outcome]: the codes that blame the request are the
// caller's, the others the dependency's), and by its HTTP status when that
// says more (429 Overloaded, 504 a timeout).
//
// A Client sends its context's deadline in kithttp.TimeoutHeader and the
// Server applies it as its kithttp.TimeoutPolicy says
// ([ServerTimeoutPolicy]; by default up to kithttp.DefaultTimeoutCap, 30s),
// as the transport/http package does; a request whose budget is already
// spent is refused with 504 and the error code [DeadlineExceeded], as is a
// call whose method returns context.DeadlineExceeded.
//
// Every error status still carries a JSON-RPC response body (id null when
// the request could not be read).
//
// # Concurrency
//
// Server and Client are safe for concurrent use. The members of a batch run
// one after another, in order.
package jsonrpc
