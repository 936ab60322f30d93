package addtransport

import (
	"context"
	"net/http"

	"github.com/apache/thrift/lib/go/thrift"
	"google.golang.org/grpc/metadata"

	"github.com/endpointkit/kit/auth/jwt"
	"github.com/endpointkit/kit/auth/mtls"
	kitgrpc "github.com/endpointkit/kit/transport/grpc"
	kithttp "github.com/endpointkit/kit/transport/http"
	kitthrift "github.com/endpointkit/kit/transport/thrift"
)

// WithCallerIdentity makes a server put what each caller proves of itself
// into the request's context, for the authorisation middlewares on its
// endpoints (auth/jwt's NewParser, auth/mtls's Authorize): the Bearer
// token of the Authorization header (gRPC metadata "authorization", the
// THeader header "authorization" over Thrift), through auth/jwt's Before
// hooks, and the verified client certificate of a mutual TLS connection
// (HTTP, JSON-RPC and gRPC), through auth/mtls's. It authorises nothing by
// itself: without a middleware on the endpoints every call is served.
// Clients ignore it.
func WithCallerIdentity() Option {
	return func(o *options) { o.identity = true }
}

// WithBearerToken makes a client send token on every call, as
// "Authorization: Bearer <token>" over HTTP and JSON-RPC, in the
// "authorization" metadata over gRPC and in the THeader header
// "authorization" over Thrift (which other Thrift protocols cannot carry).
// Empty sends nothing. Servers ignore it.
func WithBearerToken(token string) Option {
	return func(o *options) { o.token = token }
}

func (o options) httpServerAuth() []kithttp.ServerOption {
	if !o.identity {
		return nil
	}
	return []kithttp.ServerOption{kithttp.ServerBefore(jwt.HTTPToContext(), mtls.HTTPToContext())}
}

func (o options) grpcServerAuth() []kitgrpc.ServerOption {
	if !o.identity {
		return nil
	}
	return []kitgrpc.ServerOption{kitgrpc.ServerBefore(jwt.GRPCToContext(), mtls.GRPCToContext())}
}

func (o options) thriftServerAuth() []kitthrift.ServerOption {
	if !o.identity {
		return nil
	}
	// Thrift is served without TLS here: a token is all a caller can show.
	return []kitthrift.ServerOption{kitthrift.ServerBefore(jwt.ThriftToContext())}
}

func (o options) httpClientAuth() []kithttp.ClientOption {
	if o.token == "" {
		return nil
	}
	return []kithttp.ClientOption{kithttp.ClientBefore(bearerHeader("Bearer " + o.token))}
}

// bearerHeader returns a RequestFunc setting the Authorization header to v.
func bearerHeader(v string) kithttp.RequestFunc {
	return func(ctx context.Context, r *http.Request) context.Context {
		r.Header.Set("Authorization", v)
		return ctx
	}
}

func (o options) grpcClientAuth() []kitgrpc.ClientOption {
	if o.token == "" {
		return nil
	}
	v := "Bearer " + o.token
	return []kitgrpc.ClientOption{kitgrpc.ClientBefore(func(ctx context.Context, md *metadata.MD) context.Context {
		(*md)["authorization"] = []string{v}
		return ctx
	})}
}

func (o options) thriftClientAuth() []kitthrift.ClientOption {
	if o.token == "" {
		return nil
	}
	v := "Bearer " + o.token
	return []kitthrift.ClientOption{kitthrift.ClientBefore(func(ctx context.Context, h thrift.THeaderMap) context.Context {
		h[jwt.ThriftHeader] = v
		return ctx
	})}
}
