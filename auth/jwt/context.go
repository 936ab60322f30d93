package jwt

import (
	"context"

	stdjwt "github.com/golang-jwt/jwt/v5"
)

type contextKey string

// Context keys, Go kit's names. Values under them are set by this package's
// functions; read claims with [ClaimsFromContext] or
// ctx.Value(JWTClaimsContextKey).
const (
	// JWTContextKey holds the raw token (a string): put there by
	// HTTPToContext and GRPCToContext for NewParser, and by NewSigner for
	// ContextToHTTP and ContextToGRPC.
	JWTContextKey contextKey = "JWTToken"
	// JWTTokenContextKey is JWTContextKey.
	//
	// Deprecated: use JWTContextKey (as Go kit deprecated it).
	JWTTokenContextKey = JWTContextKey
	// JWTClaimsContextKey holds the verified claims (a
	// github.com/golang-jwt/jwt/v5 Claims, of the type the ClaimsFactory
	// made) after NewParser let a call through.
	JWTClaimsContextKey contextKey = "JWTClaims"
)

// extractErrorKey holds why a Before function found no usable token
// (ErrTokenMalformed wrapped), so the parser can tell a malformed header
// from a missing one.
type extractErrorKey struct{}

// ClaimsFromContext returns the claims NewParser verified for this call.
func ClaimsFromContext(ctx context.Context) (stdjwt.Claims, bool) {
	c, ok := ctx.Value(JWTClaimsContextKey).(stdjwt.Claims)
	return c, ok
}

// TokenFromContext returns the raw token in the context (see JWTContextKey).
// Treat it as a secret: never log it.
func TokenFromContext(ctx context.Context) (string, bool) {
	t, ok := ctx.Value(JWTContextKey).(string)
	return t, ok
}
