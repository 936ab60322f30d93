package zipkin_test

import (
	"net/http"

	"github.com/openzipkin/zipkin-go"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/log"
	kitzipkin "github.com/endpointkit/kit/tracing/zipkin"
	kitgrpc "github.com/endpointkit/kit/transport/grpc"
	kithttp "github.com/endpointkit/kit/transport/http"
)

// Go kit's tracing/zipkin call shapes, checked by the compiler: code
// written against Go kit compiles against this package with its imports
// changed.
var (
	_ = func(tr *zipkin.Tracer) endpoint.Middleware { return kitzipkin.TraceEndpoint(tr, "name") }
	_ = func(tr *zipkin.Tracer, l log.Logger) kithttp.ServerOption {
		return kitzipkin.HTTPServerTrace(tr, kitzipkin.Name("n"), kitzipkin.Tags(map[string]string{"k": "v"}),
			kitzipkin.Logger(l), kitzipkin.AllowPropagation(false),
			kitzipkin.RequestSampler(func(*http.Request) bool { return true }))
	}
	_ = func(tr *zipkin.Tracer) kithttp.ClientOption {
		return kitzipkin.HTTPClientTrace(tr, kitzipkin.Name("n"))
	}
	_ = func(tr *zipkin.Tracer) kitgrpc.ServerOption {
		return kitzipkin.GRPCServerTrace(tr, kitzipkin.Name("n"))
	}
	_ = func(tr *zipkin.Tracer) kitgrpc.ClientOption {
		return kitzipkin.GRPCClientTrace(tr, kitzipkin.Name("n"))
	}
	_ kitzipkin.TracerOption = kitzipkin.Name("n")
)
