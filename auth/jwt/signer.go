package jwt

import (
	"context"
	"fmt"

	stdjwt "github.com/golang-jwt/jwt/v5"

	"github.com/endpointkit/kit/endpoint"
)

// NewSigner returns a Middleware that signs claims with key and method on
// every call, puts the token in the context (JWTContextKey) for
// ContextToHTTP or ContextToGRPC to send, and calls next. kid, when not
// empty, is put in the token's header so a verifier with a key set can
// pick the key.
//
// It is Go kit's signature, except that key is any rather than []byte: a
// []byte still compiles (an HMAC secret), and an *rsa.PrivateKey,
// ed25519.PrivateKey or *ecdsa.PrivateKey signs with RS*/PS*, EdDSA or ES*.
func NewSigner(kid string, key any, method stdjwt.SigningMethod, claims stdjwt.Claims) endpoint.Middleware {
	return func(next endpoint.Endpoint) endpoint.Endpoint {
		return func(ctx context.Context, req any) (any, error) {
			token := stdjwt.NewWithClaims(method, claims)
			if kid != "" {
				token.Header["kid"] = kid
			}
			signed, err := token.SignedString(key)
			if err != nil {
				return nil, fmt.Errorf("jwt: sign: %w", err)
			}
			return next(context.WithValue(ctx, JWTContextKey, signed), req)
		}
	}
}
