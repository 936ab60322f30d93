package addtransport

import (
	"github.com/openzipkin/zipkin-go"
	"go.opentelemetry.io/otel/trace"

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
	tp trace.TracerProvider
	zt *zipkin.Tracer
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
	return []kithttp.ServerOption{kitotel.HTTPServerTrace(o.tp), kitzipkin.HTTPServerTrace(o.zt)}
}

func (o options) httpClient() []kithttp.ClientOption {
	return []kithttp.ClientOption{kitotel.HTTPClientTrace(o.tp), kitzipkin.HTTPClientTrace(o.zt)}
}

func (o options) jsonrpcServer() []jsonrpc.ServerOption {
	return []jsonrpc.ServerOption{kitotel.JSONRPCServerTrace(o.tp), kitzipkin.JSONRPCServerTrace(o.zt)}
}

func (o options) jsonrpcClient(method string) []jsonrpc.ClientOption {
	return []jsonrpc.ClientOption{kitotel.JSONRPCClientTrace(o.tp, method), kitzipkin.JSONRPCClientTrace(o.zt, method)}
}

func (o options) grpcServer() []kitgrpc.ServerOption {
	return []kitgrpc.ServerOption{kitotel.GRPCServerTrace(o.tp), kitzipkin.GRPCServerTrace(o.zt)}
}

func (o options) grpcClient(method string) []kitgrpc.ClientOption {
	return []kitgrpc.ClientOption{kitotel.GRPCClientTrace(o.tp, "addsvc.Add", method),
		kitzipkin.GRPCClientTrace(o.zt, kitzipkin.Name("addsvc.Add/"+method))}
}

func (o options) thriftServer() []kitthrift.ServerOption {
	return []kitthrift.ServerOption{kitotel.ThriftServerTrace(o.tp), kitzipkin.ThriftServerTrace(o.zt)}
}

func (o options) thriftClient(method string) []kitthrift.ClientOption {
	return []kitthrift.ClientOption{kitotel.ThriftClientTrace(o.tp, method), kitzipkin.ThriftClientTrace(o.zt, method)}
}
