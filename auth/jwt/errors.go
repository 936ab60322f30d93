package jwt

import (
	"errors"
	"net/http"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/endpointkit/kit/endpoint"
)

// Sentinel errors. The first six are Go kit's names (with kit's messages);
// the middleware returns them wrapped in an [*Error] that carries the status,
// so match them with errors.Is.
var (
	// ErrTokenContextMissing means no token was put in the context: the
	// request had no Authorization header, or no Before function extracted
	// it. Answered 401 with a bare Bearer challenge (RFC 6750 §3.1).
	ErrTokenContextMissing = errors.New("jwt: token missing from the context")
	// ErrTokenInvalid means the token was refused for a reason no other
	// sentinel names (a bad signature, an unknown key).
	ErrTokenInvalid = errors.New("jwt: token invalid")
	// ErrTokenExpired means the token's exp is past, beyond the leeway.
	ErrTokenExpired = errors.New("jwt: token expired")
	// ErrTokenMalformed means the token or its Authorization header does
	// not parse: not three base64url segments of JSON, too long, not a
	// Bearer header, or more than one Authorization header.
	ErrTokenMalformed = errors.New("jwt: token malformed")
	// ErrTokenNotActive means the token's nbf or iat is in the future,
	// beyond the leeway.
	ErrTokenNotActive = errors.New("jwt: token not valid yet")
	// ErrUnexpectedSigningMethod means the token's alg is not one the
	// server allows (alg "none", HMAC where RSA is expected, ...).
	ErrUnexpectedSigningMethod = errors.New("jwt: unexpected signing method")

	// ErrTokenInvalidIssuer means the token's iss is not the required one.
	ErrTokenInvalidIssuer = errors.New("jwt: token has the wrong issuer")
	// ErrTokenInvalidAudience means the token's aud names none of the
	// accepted audiences.
	ErrTokenInvalidAudience = errors.New("jwt: token has the wrong audience")
	// ErrUnknownKey means the token's kid names no key of the key set,
	// even after a refresh.
	ErrUnknownKey = errors.New("jwt: unknown signing key")
	// ErrForbidden means the token is valid but does not grant the call
	// (see [ParserAuthorize]). Answered 403.
	ErrForbidden = errors.New("jwt: insufficient rights")
	// ErrKeysUnavailable means no keys could be had to verify the token: a
	// JWKS was never fetched, or its keys are older than its MaxStale.
	// Answered 503: the key server, not the caller, is at fault.
	ErrKeysUnavailable = errors.New("jwt: verification keys unavailable")
)

// Error is what the middleware returns for a refused call. Its Code is an
// HTTP status (401, 403 or 503); it carries the matching WWW-Authenticate
// challenge (Headers), gRPC status (GRPCStatus) and place in kit's failure
// model (Outcome), so transport/http and transport/grpc answer it properly
// with their default error encoders. Its message is its sentinel's and never
// contains the token.
type Error struct {
	// Code is the HTTP status: 401 Unauthorized, 403 Forbidden or 503
	// Service Unavailable.
	Code int
	// Err is one of this package's sentinels, possibly wrapped with a
	// reason.
	Err error
}

func unauthorized(err error) *Error { return &Error{Code: http.StatusUnauthorized, Err: err} }

// Error returns Err's message.
func (e *Error) Error() string { return e.Err.Error() }

// Unwrap returns Err.
func (e *Error) Unwrap() error { return e.Err }

// StatusCode returns Code.
func (e *Error) StatusCode() int { return e.Code }

// Headers returns the RFC 6750 challenge: `Bearer` alone when the request
// carried no token, `Bearer error="invalid_token"` for a refused token,
// `Bearer error="insufficient_scope"` for a 403; nothing for a 503.
func (e *Error) Headers() http.Header {
	var v string
	switch {
	case e.Code == http.StatusForbidden:
		v = `Bearer error="insufficient_scope"`
	case e.Code != http.StatusUnauthorized:
		return nil
	case errors.Is(e.Err, ErrTokenContextMissing):
		v = "Bearer"
	case errors.Is(e.Err, ErrTokenMalformed):
		v = `Bearer error="invalid_request"`
	default:
		v = `Bearer error="invalid_token"`
	}
	return http.Header{"Www-Authenticate": {v}}
}

// GRPCStatus returns Unauthenticated for a 401, PermissionDenied for a 403
// and Unavailable for a 503, with the error's message.
func (e *Error) GRPCStatus() *status.Status {
	c := codes.Unauthenticated
	switch e.Code {
	case http.StatusForbidden:
		c = codes.PermissionDenied
	case http.StatusServiceUnavailable:
		c = codes.Unavailable
	}
	return status.New(c, e.Error())
}

// Outcome implements endpoint.Classified: a 401 or 403 is the caller's
// error, which trips no breaker and ejects no instance; a 503 is a
// retryable DependencyFailure.
func (e *Error) Outcome() endpoint.Outcome { return endpoint.OutcomeOfStatus(e.Code) }
