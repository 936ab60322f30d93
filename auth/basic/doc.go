// Package basic is HTTP Basic authentication (RFC 7617) as an endpoint
// middleware: it lets a call through only when the request's Authorization
// header carries credentials that a check accepts.
//
// The names and shapes are Go kit's, so existing calls compile:
// [AuthMiddleware](requiredUser, requiredPassword, realm) returns an
// endpoint.Middleware, and a refused call returns an [AuthError] whose
// StatusCode is 401 and whose Headers carry WWW-Authenticate with the realm.
// What kit adds: the comparison is constant-time and leaks neither the
// secrets nor their lengths (its time depends only on the presented
// lengths; see [Static]), the check is pluggable ([NewMiddleware]
// with a [CheckFunc], for a user table or a password hash), the
// authenticated user is put in the context ([UserFromContext]), duplicated
// and oversized headers are refused, and refusals speak kit's failure model
// as caller errors, so a stream of bad passwords never trips a circuit
// breaker or ejects an instance.
//
// # Where the header comes from
//
// The middleware reads the header from the context, as Go kit's did. Put it
// there with the HTTP server's ServerBefore option: either [HTTPToContext]
// (the header alone) or transport/http's PopulateRequestContext (the whole
// request description; the middleware reads its Header):
//
//	handler := http.NewServer(
//		basic.AuthMiddleware("admin", secret, "ops")(e),
//		dec, enc,
//		http.ServerBefore(basic.HTTPToContext()),
//	)
//
// A context with neither is refused as missing credentials.
//
// A plain net/http service uses [HTTPHandler] instead:
//
//	mux.Handle("/admin/", basic.HTTPHandler(basic.AuthMiddleware("admin", secret, "ops"))(adminHandler))
//
// # Errors
//
// Every refusal is an [AuthError] wrapping one of [ErrMissingCredentials],
// [ErrMalformedCredentials] or [ErrInvalidCredentials]; transport/http's
// DefaultErrorEncoder answers 401 with `WWW-Authenticate: Basic
// realm="...", charset="UTF-8"`. Error messages never contain the user
// name or password that was sent. An error returned by a [CheckFunc] (a
// user store that is down) is returned as it is, so it is a dependency's
// failure, not the caller's.
//
// # Concurrency
//
// The middleware holds no mutable state and is safe for concurrent use; a
// CheckFunc must be too.
package basic
