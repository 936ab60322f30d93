package jwt_test

import (
	"context"
	"testing"

	stdjwt "github.com/golang-jwt/jwt/v5"

	"github.com/endpointkit/kit/auth/jwt"
	"github.com/endpointkit/kit/endpoint"
	kitgrpc "github.com/endpointkit/kit/transport/grpc"
	httptransport "github.com/endpointkit/kit/transport/http"
)

// TestGoKitShapes compiles Go kit's documented uses of its auth/jwt
// package (with golang-jwt v5 as stdjwt), so that a change breaking them
// fails here first.
func TestGoKitShapes(t *testing.T) {
	kf := func(token *stdjwt.Token) (interface{}, error) { return []byte("SigningString"), nil }
	var parser endpoint.Middleware = jwt.NewParser(kf, stdjwt.SigningMethodHS256, jwt.StandardClaimsFactory)
	var signer endpoint.Middleware = jwt.NewSigner("kid-header", []byte("SigningString"), stdjwt.SigningMethodHS256, stdjwt.MapClaims{})
	var (
		_ httptransport.RequestFunc = jwt.HTTPToContext()
		_ httptransport.RequestFunc = jwt.ContextToHTTP()
		_ kitgrpc.ServerRequestFunc = jwt.GRPCToContext()
		_ kitgrpc.ClientRequestFunc = jwt.ContextToGRPC()
		_ jwt.ClaimsFactory         = jwt.MapClaimsFactory
		_ jwt.ClaimsFactory         = jwt.StandardClaimsFactory
		_ any                       = jwt.JWTTokenContextKey
	)
	// Signed by one, parsed by the other, as Go kit's tests do.
	e := signer(func(ctx context.Context, req any) (any, error) {
		tok := ctx.Value(jwt.JWTContextKey).(string)
		return parser(func(ctx context.Context, _ any) (any, error) {
			return ctx.Value(jwt.JWTClaimsContextKey), nil
		})(context.WithValue(context.Background(), jwt.JWTContextKey, tok), req)
	})
	if c, err := e(context.Background(), nil); err != nil || c == nil {
		t.Errorf("Go kit round trip: %v, %v; want claims", c, err)
	}
}
