package zipkin

import (
	"context"
	"strings"

	"github.com/openzipkin/zipkin-go"
	"github.com/openzipkin/zipkin-go/model"
	"github.com/openzipkin/zipkin-go/propagation/b3"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"

	"github.com/endpointkit/kit/endpoint"
	kitgrpc "github.com/endpointkit/kit/transport/grpc"
)

// GRPCServerTrace returns a ServerOption that traces every call of a kit
// gRPC Server: its Before hook reads B3 metadata and starts a server span
// named after the full method ("pkg.Service/Method"); its Finalizer tags
// grpc.status_code (when not OK) and error (for server-side codes) and
// finishes the span. A nil tracer adds no hooks.
func GRPCServerTrace(tracer *zipkin.Tracer, options ...TracerOption) kitgrpc.ServerOption {
	if tracer == nil {
		return func(*kitgrpc.Server) {}
	}
	h := &grpcServerHooks{tracerOptions: newOptions(options), tracer: tracer}
	return func(s *kitgrpc.Server) {
		kitgrpc.ServerBefore(h.before)(s)
		kitgrpc.ServerFinalizer(h.finalize)(s)
	}
}

type grpcServerHooks struct {
	*tracerOptions
	tracer *zipkin.Tracer
}

func (h *grpcServerHooks) before(ctx context.Context, md metadata.MD) context.Context {
	var parent model.SpanContext
	if h.propagate {
		parent = h.extract(b3.ExtractGRPC(&md))
	}
	name := h.name
	if name == "" {
		m, _ := kitgrpc.MethodFromContext(ctx)
		if name = strings.TrimPrefix(m, "/"); name == "" {
			name = "grpc"
		}
	}
	span := h.tracer.StartSpan(name, h.startOptions(zipkin.Kind(model.Server), zipkin.Parent(parent))...)
	if p, ok := peer.FromContext(ctx); ok && p.Addr != nil && recording(span) {
		setRemote(span, p.Addr.String())
	}
	return context.WithValue(zipkin.NewContext(ctx, span), serverSpanKey{}, span)
}

// serverError reports whether c is the server's failure; the other codes
// are the caller's doing.
func serverError(c codes.Code) bool {
	switch c {
	case codes.Unknown, codes.DeadlineExceeded, codes.Unimplemented,
		codes.Internal, codes.Unavailable, codes.DataLoss:
		return true
	}
	return false
}

func (h *grpcServerHooks) finalize(ctx context.Context, err error) {
	span := ownSpan(ctx, serverSpanKey{})
	if span == nil {
		return
	}
	if err != nil && recording(span) {
		st := kitgrpc.StatusOf(err)
		zipkin.TagGRPCStatusCode.Set(span, st.Code().String())
		// A deadline that was the caller's own is not this server's failure.
		callers := st.Code() == codes.DeadlineExceeded && h.classify(ctx, nil, err).Kind == endpoint.CallerError
		if serverError(st.Code()) && !callers {
			zipkin.TagError.Set(span, st.Message())
		}
	}
	span.Finish()
}

// GRPCClientTrace returns a ClientOption that traces every call of a kit
// gRPC Client: its Before hook starts a client span, a child of the span in
// the call's context, and writes B3 metadata; its Finalizer tags the call's
// status and finishes the span. Give each client its Name (by convention
// "pkg.Service/Method"): kit's gRPC client does not tell the hook its
// method, and the default is "grpc". A nil tracer adds no hooks.
func GRPCClientTrace(tracer *zipkin.Tracer, options ...TracerOption) kitgrpc.ClientOption {
	if tracer == nil {
		return func(*kitgrpc.Client) {}
	}
	h := &grpcClientHooks{tracerOptions: newOptions(options), tracer: tracer}
	if h.name == "" {
		h.name = "grpc"
	}
	return func(c *kitgrpc.Client) {
		kitgrpc.ClientBefore(h.before)(c)
		kitgrpc.ClientFinalizer(h.finalize)(c)
	}
}

type grpcClientHooks struct {
	*tracerOptions
	tracer *zipkin.Tracer
}

func (h *grpcClientHooks) before(ctx context.Context, md *metadata.MD) context.Context {
	span := h.tracer.StartSpan(h.name, h.startClientOptions(ctx)...)
	if h.propagate {
		_ = b3.InjectGRPC(md)(span.Context())
	}
	return context.WithValue(zipkin.NewContext(ctx, span), clientSpanKey{}, span)
}

func (h *grpcClientHooks) finalize(ctx context.Context, err error) {
	span := ownSpan(ctx, clientSpanKey{})
	if span == nil {
		return
	}
	if err != nil && recording(span) {
		zipkin.TagGRPCStatusCode.Set(span, kitgrpc.StatusOf(err).Code().String())
		h.clientError(ctx, span, err)
	}
	span.Finish()
}
