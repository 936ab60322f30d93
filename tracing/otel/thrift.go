package otel

import (
	"context"
	"errors"
	"strings"

	"github.com/apache/thrift/lib/go/thrift"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/endpointkit/kit/endpoint"
	kitthrift "github.com/endpointkit/kit/transport/thrift"
)

// rpcSystemThrift is rpc.system.name for Apache Thrift, which the semantic
// conventions do not list: the name the conventions' older rpc.system used.
var rpcSystemThrift = semconv.RPCSystemNameKey.String("apache_thrift")

// ThriftServerTrace returns a ServerOption that traces every call of a kit
// Thrift Server: its Before hook continues the caller's trace from the
// request's THeader headers and starts a server span named after the
// method (read from the ConnServer's context, as
// kitthrift.MethodFromContext does; "thrift" outside a ConnServer); its
// Finalizer records the exception sent, if any, and ends the span. Over
// protocols without headers (binary, compact, JSON) every call starts a
// new trace. A nil tp adds no hooks.
func ThriftServerTrace(tp trace.TracerProvider, opts ...Option) kitthrift.ServerOption {
	if isNil(tp) {
		return func(*kitthrift.Server) {}
	}
	c := newConfig(opts)
	h := &thriftServerHooks{config: c, tracer: c.tracer(tp),
		start: []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindServer)}}
	return func(s *kitthrift.Server) {
		kitthrift.ServerBefore(h.before)(s)
		kitthrift.ServerFinalizer(h.finalize)(s)
	}
}

type thriftServerHooks struct {
	*config
	tracer trace.Tracer
	start  []trace.SpanStartOption
}

func (h *thriftServerHooks) before(ctx context.Context, header thrift.THeaderMap) context.Context {
	ctx, start := extract(ctx, h.config, headerCarrier(header), h.start)
	method, _ := kitthrift.MethodFromContext(ctx)
	name := h.name
	if name == "" {
		name = method
		if name == "" {
			name = "thrift"
		}
	}
	ctx, span := h.tracer.Start(ctx, name, start...)
	if span.IsRecording() {
		span.SetAttributes(rpcSystemThrift)
		if method != "" {
			span.SetAttributes(semconv.RPCMethodKey.String(method))
		}
		if p, ok := kitthrift.PeerFromContext(ctx); ok {
			span.SetAttributes(semconv.NetworkPeerAddressKey.String(p))
		}
		if len(h.attrs) > 0 {
			span.SetAttributes(h.attrs...)
		}
	}
	return context.WithValue(ctx, serverSpanKey{}, span)
}

func (h *thriftServerHooks) finalize(ctx context.Context, err error) {
	span := ownSpan(ctx, serverSpanKey{})
	if span == nil {
		return
	}
	if span.IsRecording() && err != nil {
		span.SetAttributes(semconv.RPCResponseStatusCodeKey.String(thriftStatus(err)),
			semconv.ErrorTypeKey.String(thriftStatus(err)))
		// The server's own failures mark its span; an exception that is the
		// caller's doing (a bad request, its own deadline) or a refusal
		// under load does not.
		if h.classify(ctx, nil, err).Kind == endpoint.DependencyFailure {
			span.SetStatus(codes.Error, err.Error())
		}
	}
	span.End()
}

// ThriftClientTrace returns a ClientOption that traces every call of a kit
// Thrift Client of method (the generated client's method, "Sum"): its
// Before hook starts a client span named after method, a child of the span
// in the call's context, and writes its context into the request's THeader
// headers (which reach servers of the header protocol only); its Finalizer
// records the call's error and ends the span. The span covers the whole
// call, taking or dialling a connection included. A nil tp adds no hooks.
func ThriftClientTrace(tp trace.TracerProvider, method string, opts ...Option) kitthrift.ClientOption {
	if isNil(tp) {
		return func(*kitthrift.Client) {}
	}
	c := newConfig(opts)
	h := &thriftClientHooks{config: c, tracer: c.tracer(tp), method: method,
		start: []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindClient)}}
	return func(cl *kitthrift.Client) {
		kitthrift.ClientBefore(h.before)(cl)
		kitthrift.ClientFinalizer(h.finalize)(cl)
	}
}

type thriftClientHooks struct {
	*config
	tracer trace.Tracer
	method string
	start  []trace.SpanStartOption
}

func (h *thriftClientHooks) before(ctx context.Context, header thrift.THeaderMap) context.Context {
	name := h.name
	if name == "" {
		name = h.method
		if name == "" {
			name = "thrift"
		}
	}
	ctx, span := h.tracer.Start(ctx, name, h.start...)
	if span.IsRecording() {
		span.SetAttributes(rpcSystemThrift)
		if h.method != "" {
			span.SetAttributes(semconv.RPCMethodKey.String(h.method))
		}
		if len(h.attrs) > 0 {
			span.SetAttributes(h.attrs...)
		}
	}
	h.prop.Inject(ctx, headerCarrier(header))
	return context.WithValue(ctx, clientSpanKey{}, span)
}

func (h *thriftClientHooks) finalize(ctx context.Context, err error) {
	span := ownSpan(ctx, clientSpanKey{})
	if span == nil {
		return
	}
	if span.IsRecording() && err != nil {
		span.SetAttributes(semconv.RPCResponseStatusCodeKey.String(thriftStatus(err)))
		h.clientError(ctx, span, err)
		span.SetAttributes(semconv.ErrorTypeKey.String(thriftStatus(err)))
	}
	span.End()
}

// thriftStatus names a Thrift call's error: the TApplicationException's
// type ("INTERNAL_ERROR", "OVERLOADED"), or the Go type of a declared IDL
// exception or of any other error.
func thriftStatus(err error) string {
	var ae *kitthrift.ApplicationError
	if errors.As(err, &ae) {
		return kitthrift.ExceptionName(ae.Type)
	}
	var te thrift.TApplicationException
	if errors.As(err, &te) {
		return kitthrift.ExceptionName(te.TypeId())
	}
	return typeName(err)
}

// headerCarrier reads and writes trace context in THeader headers. Keys are
// written in lower case, as W3C Trace Context spells them; reads fall back
// to a case-insensitive match, for peers that write "Traceparent".
type headerCarrier thrift.THeaderMap

func (h headerCarrier) Get(key string) string {
	if v, ok := h[key]; ok {
		return v
	}
	for k, v := range h {
		if strings.EqualFold(k, key) {
			return v
		}
	}
	return ""
}

func (h headerCarrier) Set(key, value string) {
	if h != nil {
		h[key] = value
	}
}

func (h headerCarrier) Keys() []string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	return keys
}
