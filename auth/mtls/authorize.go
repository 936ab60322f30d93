package mtls

import (
	"context"
	"errors"
	"net/http"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/endpointkit/kit/endpoint"
)

var (
	// ErrNoIdentity means the context carries no verified peer identity:
	// the connection was not mutual TLS, or no Before function put the
	// identity in the context. Answered 401 Unauthorized / Unauthenticated.
	ErrNoIdentity = errors.New("mtls: no verified peer identity")
	// ErrForbidden means the peer's identity is not allowed to call.
	// Answered 403 Forbidden / PermissionDenied.
	ErrForbidden = errors.New("mtls: peer identity not allowed")
)

// Error is what [Authorize] returns for a refused call. It carries an HTTP
// status (StatusCode), a gRPC status (GRPCStatus) and its place in kit's
// failure model (Outcome: CallerError, so refusals trip no breaker and
// eject no instance), which transport/http and transport/grpc answer with
// their default error encoders. Its message names no certificate content.
type Error struct {
	// Code is 401 (no identity) or 403 (identity not allowed).
	Code int
	// Err is ErrNoIdentity or ErrForbidden.
	Err error
}

// Error returns Err's message.
func (e *Error) Error() string { return e.Err.Error() }

// Unwrap returns Err.
func (e *Error) Unwrap() error { return e.Err }

// StatusCode returns Code.
func (e *Error) StatusCode() int { return e.Code }

// GRPCStatus returns PermissionDenied for a 403 and Unauthenticated
// otherwise.
func (e *Error) GRPCStatus() *status.Status {
	c := codes.Unauthenticated
	if e.Code == http.StatusForbidden {
		c = codes.PermissionDenied
	}
	return status.New(c, e.Error())
}

// Outcome implements endpoint.Classified: the caller's error.
func (e *Error) Outcome() endpoint.Outcome { return endpoint.OutcomeOfStatus(e.Code) }

// Authorize returns a Middleware that lets a call through only when the
// context carries a peer identity (see [HTTPToContext], [GRPCToContext])
// and allow returns true for it. Otherwise the call fails with an [*Error]:
// 401 without an identity, 403 when allow refuses it.
func Authorize(allow func(Identity) bool) endpoint.Middleware {
	return func(next endpoint.Endpoint) endpoint.Endpoint {
		return func(ctx context.Context, req any) (any, error) {
			id, ok := FromContext(ctx)
			if !ok {
				return nil, &Error{Code: http.StatusUnauthorized, Err: ErrNoIdentity}
			}
			if !allow(id) {
				return nil, &Error{Code: http.StatusForbidden, Err: ErrForbidden}
			}
			return next(ctx, req)
		}
	}
}

// AllowNames returns an allow function for [Authorize] that accepts an
// identity when any of its [Identity.Names] (SPIFFE ID, URI SANs, DNS SANs,
// CN) is one of names, compared exactly. List SPIFFE IDs where the CA
// issues them: a CN is the weakest of the names.
func AllowNames(names ...string) func(Identity) bool {
	set := make(map[string]struct{}, len(names))
	for _, n := range names {
		set[n] = struct{}{}
	}
	return func(id Identity) bool {
		// The fields of Names, without building its slice: no allocation
		// per call.
		has := func(n string) bool { _, ok := set[n]; return ok && n != "" }
		if has(id.SPIFFEID) || has(id.CommonName) {
			return true
		}
		for _, n := range id.URIs {
			if has(n) {
				return true
			}
		}
		for _, n := range id.DNSNames {
			if has(n) {
				return true
			}
		}
		return false
	}
}
