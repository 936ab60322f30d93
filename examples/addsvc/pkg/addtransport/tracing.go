package addtransport

import (
	"github.com/openzipkin/zipkin-go"
	"go.opentelemetry.io/otel/trace"

	"github.com/endpointkit/kit/auth/jwt"
	"github.com/endpointkit/kit/auth/mtls"
	kitotel "github.com/endpointkit/kit/tracing/otel"
	kitzipkin "github.com/endpointkit/kit/tracing/zipkin"
	kitgrpc "github.com/endpointkit/kit/transport/grpc"
	kithttp "github.com/endpointkit/kit/transport/http"
	"github.com/endpointkit/kit/transport/http/jsonrpc"
	kitthrift "github.com/endpointkit/kit/transport/thrift"
)

// Option configures a server or client of this package.
type Option func(*options)

type options struct {
	tp       trace.TracerProvider
	zt       *zipkin.Tracer
	identity bool   // WithCallerIdentity
	token    string // WithBearerToken
}

// WithTracing traces every call with OpenTelemetry (tp) and Zipkin (zt),
// through the transport hooks of kit's tracing/otel and tracing/zipkin.
// Either may be nil, and both nil (the default) trace nothing.
func WithTracing(tp trace.TracerProvider, zt *zipkin.Tracer) Option {
	return func(o *options) { o.tp, o.zt = tp, zt }
}

func newOptions(opts []Option) options {
	var o options
	for _, f := range opts {
		f(&o)
	}
	return o
}

func (o options) httpServer() []kithttp.ServerOption {
	return append([]kithttp.ServerOption{kitotel.HTTPServerTrace(o.tp), kitzipkin.HTTPServerTrace(o.zt)}, o.httpServerAuth()...)
}

func (o options) httpClient() []kithttp.ClientOption {
	return append([]kithttp.ClientOption{kitotel.HTTPClientTrace(o.tp), kitzipkin.HTTPClientTrace(o.zt)}, o.httpClientAuth()...)
}

func (o options) jsonrpcServer() []jsonrpc.ServerOption {
	options := []jsonrpc.ServerOption{kitotel.JSONRPCServerTrace(o.tp), kitzipkin.JSONRPCServerTrace(o.zt)}
	if o.identity {
		options = append(options, jsonrpc.ServerBefore(jwt.HTTPToContext(), mtls.HTTPToContext()))
	}
	return options
}

func (o options) jsonrpcClient(method string) []jsonrpc.ClientOption {
	options := []jsonrpc.ClientOption{kitotel.JSONRPCClientTrace(o.tp, method), kitzipkin.JSONRPCClientTrace(o.zt, method)}
	if o.token != "" {
		options = append(options, jsonrpc.ClientBefore(bearerHeader("Bearer "+o.token)))
	}
	return options
}

func (o options) grpcServer() []kitgrpc.ServerOption {
	return append([]kitgrpc.ServerOption{kitotel.GRPCServerTrace(o.tp), kitzipkin.GRPCServerTrace(o.zt)}, o.grpcServerAuth()...)
}

func (o options) grpcClient(method string) []kitgrpc.ClientOption {
	return append([]kitgrpc.ClientOption{kitotel.GRPCClientTrace(o.tp, "addsvc.Add", method),
		kitzipkin.GRPCClientTrace(o.zt, kitzipkin.Name("addsvc.Add/"+method))}, o.grpcClientAuth()...)
}

func (o options) thriftServer() []kitthrift.ServerOption {
	return append([]kitthrift.ServerOption{kitotel.ThriftServerTrace(o.tp), kitzipkin.ThriftServerTrace(o.zt)}, o.thriftServerAuth()...)
}

func (o options) thriftClient(method string) []kitthrift.ClientOption {
	return append([]kitthrift.ClientOption{kitotel.ThriftClientTrace(o.tp, method), kitzipkin.ThriftClientTrace(o.zt, method)}, o.thriftClientAuth()...)
}
