package casbin

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	stdcasbin "github.com/casbin/casbin/v2"

	"github.com/endpointkit/kit/endpoint"
)

type contextKey string

// Context keys, Go kit's names, for NewEnforcer.
const (
	// CasbinModelContextKey holds the model NewEnforcer uses: a path to a
	// model file, or a github.com/casbin/casbin/v2/model.Model.
	CasbinModelContextKey contextKey = "CasbinModel"
	// CasbinPolicyContextKey holds the policy NewEnforcer uses: a path to
	// a policy file, or a github.com/casbin/casbin/v2/persist.Adapter.
	CasbinPolicyContextKey contextKey = "CasbinPolicy"
	// CasbinEnforcerKey holds the *casbin.Enforcer NewEnforcer built for
	// the call, for the endpoint to ask more questions.
	CasbinEnforcerKey contextKey = "CasbinEnforcer"
	// CasbinEnforcerContextKey is CasbinEnforcerKey under the name Go kit
	// v0.13 exports as well.
	CasbinEnforcerContextKey = CasbinEnforcerKey
)

// Sentinel errors (Go kit's names).
var (
	// ErrModelContextMissing means NewEnforcer found no model in the
	// context: a wiring mistake, not the caller's.
	ErrModelContextMissing = errors.New("casbin: model missing from the context")
	// ErrPolicyContextMissing means NewEnforcer found no policy in the
	// context: a wiring mistake, not the caller's.
	ErrPolicyContextMissing = errors.New("casbin: policy missing from the context")
	// ErrUnauthorized means the policy does not allow the call. It is
	// returned wrapped in an *Error.
	ErrUnauthorized = errors.New("casbin: unauthorized access")
)

// Error is the error of a refused call: 403 Forbidden, a CallerError in
// kit's failure model.
type Error struct {
	// Err is ErrUnauthorized.
	Err error
}

// Error returns Err's message.
func (e *Error) Error() string { return e.Err.Error() }

// Unwrap returns Err.
func (e *Error) Unwrap() error { return e.Err }

// StatusCode returns 403 Forbidden.
func (e *Error) StatusCode() int { return http.StatusForbidden }

// Outcome implements endpoint.Classified: a CallerError, not retryable.
func (e *Error) Outcome() endpoint.Outcome { return endpoint.Outcome{Kind: endpoint.CallerError} }

// Enforcer decides a Casbin request: *casbin.Enforcer, *casbin.SyncedEnforcer
// and *casbin.CachedEnforcer implement it. It must be safe for concurrent
// use (see the package doc).
type Enforcer interface {
	Enforce(rvals ...any) (bool, error)
}

// RequestFunc returns the values of a call's Casbin request, in the order
// of the model's request_definition (typically subject, object, action),
// from the call's context and request. An error it returns is returned as
// it is, and the call is not made.
type RequestFunc func(ctx context.Context, request any) ([]any, error)

// NewAuthorizer returns a Middleware that lets a call through only when
// enforcer allows the values rvals returns for it, and otherwise returns an
// *Error wrapping ErrUnauthorized.
func NewAuthorizer(enforcer Enforcer, rvals RequestFunc) endpoint.Middleware {
	return func(next endpoint.Endpoint) endpoint.Endpoint {
		return func(ctx context.Context, req any) (any, error) {
			vals, err := rvals(ctx, req)
			if err != nil {
				return nil, err
			}
			ok, err := enforcer.Enforce(vals...)
			if err != nil {
				return nil, fmt.Errorf("casbin: enforce: %w", err)
			}
			if !ok {
				return nil, &Error{Err: ErrUnauthorized}
			}
			return next(ctx, req)
		}
	}
}

// NewEnforcer returns Go kit's middleware: for every call it builds a
// casbin.Enforcer from the model and policy in the context, puts it in the
// context (CasbinEnforcerKey), and lets the call through only when it
// allows subject to perform action on object. Prefer NewAuthorizer (see the
// package doc).
func NewEnforcer(subject string, object any, action string) endpoint.Middleware {
	return func(next endpoint.Endpoint) endpoint.Endpoint {
		return func(ctx context.Context, req any) (any, error) {
			model := ctx.Value(CasbinModelContextKey)
			if model == nil {
				return nil, ErrModelContextMissing
			}
			policy := ctx.Value(CasbinPolicyContextKey)
			if policy == nil {
				return nil, ErrPolicyContextMissing
			}
			enforcer, err := stdcasbin.NewEnforcer(model, policy)
			if err != nil {
				return nil, fmt.Errorf("casbin: new enforcer: %w", err)
			}
			ctx = context.WithValue(ctx, CasbinEnforcerKey, enforcer)
			ok, err := enforcer.Enforce(subject, object, action)
			if err != nil {
				return nil, fmt.Errorf("casbin: enforce: %w", err)
			}
			if !ok {
				return nil, &Error{Err: ErrUnauthorized}
			}
			return next(ctx, req)
		}
	}
}
