// Package casbin authorises calls with a Casbin policy
// (github.com/casbin/casbin/v2): an endpoint middleware asks an enforcer
// whether a subject may perform an action on an object, and refuses the
// call with 403 Forbidden when it may not.
//
// It composes after an authentication middleware, which says who the
// subject is: auth/basic's UserFromContext, or the sub claim that
// auth/jwt's NewParser put in the context.
//
//	enforcer, _ := casbin.NewSyncedEnforcer("model.conf", "policy.csv") // github.com/casbin/casbin/v2
//	authz := kitcasbin.NewAuthorizer(enforcer, func(ctx context.Context, _ any) ([]any, error) {
//		user, _ := basic.UserFromContext(ctx)
//		return []any{user, "/orders", "write"}, nil
//	})
//	e = endpoint.Chain(basic.AuthMiddleware(...), authz)(e)
//
// [NewEnforcer] is Go kit's middleware, kept so that existing calls compile:
// a fixed subject, object and action, with the model and policy read from
// the context (CasbinModelContextKey, CasbinPolicyContextKey) and a new
// enforcer built for every call, which it also puts in the context
// (CasbinEnforcerKey). Building an enforcer per call costs a model parse
// and a policy load; prefer [NewAuthorizer] with one enforcer built at
// start-up.
//
// # Errors
//
// A refusal is an [*Error] wrapping [ErrUnauthorized] (Go kit's name): its
// StatusCode is 403 and it is a CallerError in kit's failure model, so a
// caller without rights trips no breaker and ejects no instance. Over gRPC,
// kit's server answers a CallerError without a gRPC status
// InvalidArgument; auth/jwt's errors carry PermissionDenied, this package's
// do not (it does not import grpc). An enforcer's own error (a broken
// model) is returned as it is, a failure of the service, not the caller.
//
// # Concurrency
//
// The middlewares are safe for concurrent use when the enforcer is:
// casbin's SyncedEnforcer is; its Enforcer is only while nobody changes
// its policy.
package casbin
