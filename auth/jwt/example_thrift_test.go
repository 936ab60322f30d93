package jwt_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/apache/thrift/lib/go/thrift"
	stdjwt "github.com/golang-jwt/jwt/v5"

	"github.com/endpointkit/kit/auth/jwt"
	kitthrift "github.com/endpointkit/kit/transport/thrift"
)

// A kit Thrift Server that lets in only callers with a valid token in the
// THeader header "authorization". On the client side,
// kitthrift.ClientBefore(jwt.ContextToThrift()) under jwt.NewSigner sends
// it. Here the request's headers are put in the context by hand, as a
// ConnServer does for each request.
func ExampleThriftToContext() {
	key := []byte("a 32-byte secret for HS256 tests")
	auth := jwt.NewParser(func(*stdjwt.Token) (any, error) { return key, nil }, stdjwt.SigningMethodHS256, jwt.RegisteredClaimsFactory)
	whoami := func(ctx context.Context, _ any) (any, error) {
		c, _ := jwt.ClaimsFromContext(ctx)
		return c.GetSubject()
	}
	pass := func(_ context.Context, v any) (any, error) { return v, nil }
	srv := kitthrift.NewServer(auth(whoami), pass, pass, kitthrift.ServerBefore(jwt.ThriftToContext()))

	token, _ := stdjwt.NewWithClaims(stdjwt.SigningMethodHS256, stdjwt.RegisteredClaims{Subject: "alice"}).SignedString(key)
	for _, header := range []string{"Bearer " + token, "Bearer not-a-token"} {
		ctx := thrift.SetHeader(context.Background(), jwt.ThriftHeader, header)
		ctx = thrift.SetReadHeaderList(ctx, []string{jwt.ThriftHeader})
		_, resp, err := srv.ServeThrift(ctx, nil)
		if err != nil {
			var ae *kitthrift.ApplicationError
			_ = errors.As(err, &ae)
			fmt.Println(kitthrift.ExceptionName(ae.Type), err)
			continue
		}
		fmt.Println(resp)
	}
	// Output:
	// alice
	// UNAUTHENTICATED unauthenticated
}
