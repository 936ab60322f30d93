package jwt

import (
	"context"
	"fmt"
	"strings"

	"github.com/apache/thrift/lib/go/thrift"

	kitthrift "github.com/endpointkit/kit/transport/thrift"
)

// ThriftHeader is the THeader header that carries the token over Thrift,
// as "Bearer <token>": "authorization", spelt as gRPC metadata spells it.
// ThriftToContext reads it whatever its case.
const ThriftHeader = "authorization"

// ThriftToContext returns a ServerRequestFunc for transport/thrift's
// ServerBefore that does what HTTPToContext does with the request's THeader
// header [ThriftHeader]. Header names are matched case-insensitively, so a
// request carrying both "authorization" and "Authorization" has two
// Authorization headers and is refused as malformed; so is one over
// MaxHeaderBytes, another scheme or an empty token. (Two headers of exactly
// the same name never reach a hook: Apache Thrift's THeader reader keeps
// the last.) Over protocols without headers (binary, compact, JSON) no
// token arrives, and NewParser answers ErrTokenContextMissing.
//
// A refusal reaches a kit Thrift client as a TApplicationException of type
// kitthrift.ExceptionUnauthenticated (401) or ExceptionPermissionDenied
// (403), which it classifies as the caller's error.
func ThriftToContext() kitthrift.ServerRequestFunc {
	return func(ctx context.Context, header thrift.THeaderMap) context.Context {
		v, n := thriftAuthorization(header)
		switch n {
		case 0:
			return ctx
		case 1:
			return tokenToContext(ctx, []string{v})
		}
		return context.WithValue(ctx, extractErrorKey{},
			fmt.Errorf("%w: %d Authorization headers", ErrTokenMalformed, n))
	}
}

// thriftAuthorization returns the value of the header named ThriftHeader
// in any case, and how many such headers there are. It allocates nothing.
func thriftAuthorization(header thrift.THeaderMap) (value string, n int) {
	if v, ok := header[ThriftHeader]; ok && len(header) == 1 {
		return v, 1 // the common case: no other header to look at
	}
	for k, v := range header {
		if strings.EqualFold(k, ThriftHeader) {
			value, n = v, n+1
		}
	}
	return value, n
}

// ContextToThrift returns a ClientRequestFunc for transport/thrift's
// ClientBefore that sends the token in the context (put there by NewSigner)
// in the THeader header [ThriftHeader] as "Bearer <token>". Without a token
// it does nothing. Headers reach servers of the header protocol only.
func ContextToThrift() kitthrift.ClientRequestFunc {
	return func(ctx context.Context, header thrift.THeaderMap) context.Context {
		if t, ok := TokenFromContext(ctx); ok && header != nil {
			header[ThriftHeader] = "Bearer " + t
		}
		return ctx
	}
}
