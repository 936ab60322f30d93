package otel

import (
	"context"
	"strings"

	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"
	grpccodes "google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"

	"github.com/endpointkit/kit/endpoint"
	kitgrpc "github.com/endpointkit/kit/transport/grpc"
)

// GRPCServerTrace returns a ServerOption that traces every call of a kit
// gRPC Server: its Before hook continues the caller's trace from the
// incoming metadata and starts a server span named after the full method
// ("pkg.Service/Method"); its Finalizer records the gRPC status and ends the
// span. The method is read from the call's context: register the Server's
// handler on a grpc.Server (or use kitgrpc.Interceptor). A nil tp adds no
// hooks.
func GRPCServerTrace(tp trace.TracerProvider, opts ...Option) kitgrpc.ServerOption {
	if isNil(tp) {
		return func(*kitgrpc.Server) {}
	}
	c := newConfig(opts)
	h := &grpcServerHooks{config: c, tracer: c.tracer(tp),
		start: []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindServer)}}
	return func(s *kitgrpc.Server) {
		kitgrpc.ServerBefore(h.before)(s)
		kitgrpc.ServerFinalizer(h.finalize)(s)
	}
}

type grpcServerHooks struct {
	*config
	tracer trace.Tracer
	start  []trace.SpanStartOption
}

func (h *grpcServerHooks) before(ctx context.Context, md metadata.MD) context.Context {
	ctx, start := extract(ctx, h.config, metadataCarrier(md), h.start)
	method, _ := kitgrpc.MethodFromContext(ctx)
	method = strings.TrimPrefix(method, "/")
	name := h.name
	if name == "" {
		name = method
		if name == "" {
			name = "grpc"
		}
	}
	ctx, span := h.tracer.Start(ctx, name, start...)
	if span.IsRecording() {
		span.SetAttributes(semconv.RPCSystemNameGRPC, semconv.RPCMethodKey.String(method))
		if p, ok := peer.FromContext(ctx); ok && p.Addr != nil {
			span.SetAttributes(semconv.NetworkPeerAddressKey.String(p.Addr.String()))
		}
		if len(h.attrs) > 0 {
			span.SetAttributes(h.attrs...)
		}
	}
	return context.WithValue(ctx, serverSpanKey{}, span)
}

// serverError reports whether c marks a server span as an error under the
// RPC semantic conventions; the other codes are the caller's doing.
func serverError(c grpccodes.Code) bool {
	switch c {
	case grpccodes.Unknown, grpccodes.DeadlineExceeded, grpccodes.Unimplemented,
		grpccodes.Internal, grpccodes.Unavailable, grpccodes.DataLoss:
		return true
	}
	return false
}

func (h *grpcServerHooks) finalize(ctx context.Context, err error) {
	span := ownSpan(ctx, serverSpanKey{})
	if span == nil {
		return
	}
	if span.IsRecording() {
		code := grpccodes.OK
		if err != nil {
			code = kitgrpc.StatusOf(err).Code()
		}
		span.SetAttributes(semconv.RPCResponseStatusCodeKey.String(codeName(code)))
		// DEADLINE_EXCEEDED is a server error under the conventions, but
		// kit's failure model asks whose deadline it was: the caller's own
		// (endpoint.CallerError) is not this server's failure.
		callers := code == grpccodes.DeadlineExceeded &&
			h.classify(ctx, nil, err).Kind == endpoint.CallerError
		if serverError(code) && !callers {
			span.SetAttributes(semconv.ErrorTypeKey.String(codeName(code)))
			span.SetStatus(codes.Error, statusMessage(err))
		}
	}
	span.End()
}

// GRPCClientTrace returns a ClientOption that traces every call of a kit
// gRPC Client of serviceName's method (as given to kitgrpc.NewClient): its
// Before hook starts a client span named "serviceName/method" and injects
// its context into the outgoing metadata; its Finalizer records the gRPC
// status and ends the span. A nil tp adds no hooks.
func GRPCClientTrace(tp trace.TracerProvider, serviceName, method string, opts ...Option) kitgrpc.ClientOption {
	if isNil(tp) {
		return func(*kitgrpc.Client) {}
	}
	c := newConfig(opts)
	full := serviceName + "/" + method
	h := &grpcClientHooks{config: c, tracer: c.tracer(tp), method: full,
		start: []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindClient)}}
	return func(cl *kitgrpc.Client) {
		kitgrpc.ClientBefore(h.before)(cl)
		kitgrpc.ClientFinalizer(h.finalize)(cl)
	}
}

type grpcClientHooks struct {
	*config
	tracer trace.Tracer
	method string
	start  []trace.SpanStartOption
}

func (h *grpcClientHooks) before(ctx context.Context, md *metadata.MD) context.Context {
	name := h.name
	if name == "" {
		name = h.method
	}
	ctx, span := h.tracer.Start(ctx, name, h.start...)
	if span.IsRecording() {
		span.SetAttributes(semconv.RPCSystemNameGRPC, semconv.RPCMethodKey.String(h.method))
		if len(h.attrs) > 0 {
			span.SetAttributes(h.attrs...)
		}
	}
	h.prop.Inject(ctx, metadataCarrier(*md))
	return context.WithValue(ctx, clientSpanKey{}, span)
}

func (h *grpcClientHooks) finalize(ctx context.Context, err error) {
	span := ownSpan(ctx, clientSpanKey{})
	if span == nil {
		return
	}
	if span.IsRecording() {
		code := grpccodes.OK
		if err != nil {
			code = kitgrpc.StatusOf(err).Code()
		}
		span.SetAttributes(semconv.RPCResponseStatusCodeKey.String(codeName(code)))
		if err != nil {
			h.clientError(ctx, span, err)
			span.SetAttributes(semconv.ErrorTypeKey.String(codeName(code)))
		}
	}
	span.End()
}

func statusMessage(err error) string {
	if err == nil {
		return ""
	}
	return kitgrpc.StatusOf(err).Message()
}

// codeName is a gRPC code as the conventions spell it: "OK",
// "DEADLINE_EXCEEDED".
func codeName(c grpccodes.Code) string {
	if int(c) < len(grpcCodeNames) {
		return grpcCodeNames[c]
	}
	return c.String()
}

var grpcCodeNames = [...]string{
	"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
	"ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
	"ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
	"UNAUTHENTICATED",
}

// metadataCarrier reads and writes trace context in gRPC metadata.
type metadataCarrier metadata.MD

func (m metadataCarrier) Get(key string) string {
	if v := metadata.MD(m).Get(key); len(v) > 0 {
		return v[0]
	}
	return ""
}

func (m metadataCarrier) Set(key, value string) { metadata.MD(m).Set(key, value) }

func (m metadataCarrier) Keys() []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	return keys
}
