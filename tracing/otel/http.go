package otel

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/endpointkit/kit/endpoint"
	kithttp "github.com/endpointkit/kit/transport/http"
	"github.com/endpointkit/kit/transport/http/jsonrpc"
)

// Context keys marking the spans this package's hooks started, so that a
// finalizer ends its own span and never one of its caller's (a hook whose
// Before did not run finds none).
type (
	serverSpanKey struct{}
	clientSpanKey struct{}
)

func ownSpan(ctx context.Context, key any) trace.Span {
	s, _ := ctx.Value(key).(trace.Span)
	return s
}

// HTTPServerTrace returns a ServerOption that traces every request of a
// kit HTTP Server: its Before hook continues the caller's trace from the
// request's headers and starts a server span; its Finalizer records the
// status written and ends the span. A nil tp adds no hooks.
func HTTPServerTrace(tp trace.TracerProvider, opts ...Option) kithttp.ServerOption {
	if isNil(tp) {
		return func(*kithttp.Server) {}
	}
	h := newHTTPServerHooks(tp, "", opts)
	return func(s *kithttp.Server) {
		kithttp.ServerBefore(h.before)(s)
		kithttp.ServerFinalizer(h.finalize)(s)
	}
}

// JSONRPCServerTrace is HTTPServerTrace for a JSON-RPC Server. Its hooks
// run before the body is read, when the method is not known yet: the server
// span is an HTTP one ("POST /rpc") marked rpc.system.name=jsonrpc, and the
// method shows in the endpoint span of each call (TraceEndpoint named after
// the method); a batch is one server span with one endpoint span per call.
func JSONRPCServerTrace(tp trace.TracerProvider, opts ...Option) jsonrpc.ServerOption {
	if isNil(tp) {
		return func(*jsonrpc.Server) {}
	}
	h := newHTTPServerHooks(tp, "jsonrpc", opts)
	return func(s *jsonrpc.Server) {
		jsonrpc.ServerBefore(h.before)(s)
		jsonrpc.ServerFinalizer(h.finalize)(s)
	}
}

type httpServerHooks struct {
	*config
	tracer    trace.Tracer
	rpcSystem string
	start     []trace.SpanStartOption
}

func newHTTPServerHooks(tp trace.TracerProvider, rpcSystem string, opts []Option) *httpServerHooks {
	c := newConfig(opts)
	return &httpServerHooks{
		config:    c,
		tracer:    c.tracer(tp),
		rpcSystem: rpcSystem,
		start:     []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindServer)},
	}
}

func (h *httpServerHooks) before(ctx context.Context, r *http.Request) context.Context {
	ctx, start := extract(ctx, h.config, propagation.HeaderCarrier(r.Header), h.start)
	method := knownMethod(r.Method)
	route := routeOf(r.Pattern)
	name := h.name
	if name == "" {
		name = method
		if route != "" {
			name = method + " " + route
		}
	}
	ctx, span := h.tracer.Start(ctx, name, start...)
	if span.IsRecording() {
		attrs := make([]attribute.KeyValue, 0, 12+len(h.attrs))
		attrs = append(attrs,
			semconv.HTTPRequestMethodKey.String(method),
			semconv.URLPathKey.String(r.URL.Path),
			semconv.URLSchemeKey.String(scheme(r)),
			semconv.NetworkProtocolVersionKey.String(protoVersion(r)))
		if method != r.Method {
			attrs = append(attrs, semconv.HTTPRequestMethodOriginalKey.String(r.Method))
		}
		if route != "" {
			attrs = append(attrs, semconv.HTTPRouteKey.String(route))
		}
		attrs = appendHostPort(attrs, r.Host, semconv.ServerAddressKey, semconv.ServerPortKey)
		if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
			attrs = append(attrs, semconv.ClientAddressKey.String(host))
		}
		if ua := r.UserAgent(); ua != "" {
			attrs = append(attrs, semconv.UserAgentOriginalKey.String(ua))
		}
		if h.rpcSystem != "" {
			attrs = append(attrs, semconv.RPCSystemNameKey.String(h.rpcSystem))
		}
		span.SetAttributes(append(attrs, h.attrs...)...)
	}
	return context.WithValue(ctx, serverSpanKey{}, span)
}

func (h *httpServerHooks) finalize(ctx context.Context, code int, _ *http.Request) {
	span := ownSpan(ctx, serverSpanKey{})
	if span == nil {
		return
	}
	if span.IsRecording() {
		span.SetAttributes(semconv.HTTPResponseStatusCodeKey.Int(code))
		// A server span is an error only for 5xx: a 4xx is the caller's
		// mistake, not this server's (HTTP semantic conventions, and kit's
		// failure model alike).
		if code >= 500 {
			span.SetAttributes(semconv.ErrorTypeKey.String(statusText(code)))
			span.SetStatus(codes.Error, "")
		}
	}
	span.End()
}

// HTTPClientTrace returns a ClientOption that traces every call of a kit
// HTTP Client: its Before hook starts a client span and injects its context
// into the request's headers; its After hook records the response status;
// its Finalizer records the call's error and ends the span. A nil tp adds
// no hooks.
func HTTPClientTrace(tp trace.TracerProvider, opts ...Option) kithttp.ClientOption {
	if isNil(tp) {
		return func(*kithttp.Client) {}
	}
	h := newHTTPClientHooks(tp, "", "", opts)
	return func(c *kithttp.Client) {
		kithttp.ClientBefore(h.before)(c)
		kithttp.ClientAfter(h.after)(c)
		kithttp.ClientFinalizer(h.finalize)(c)
	}
}

// JSONRPCClientTrace is HTTPClientTrace for a JSON-RPC Client calling
// method: the client span is named after the method and carries
// rpc.system.name=jsonrpc and rpc.method, and a JSON-RPC error's code in
// rpc.response.status_code.
func JSONRPCClientTrace(tp trace.TracerProvider, method string, opts ...Option) jsonrpc.ClientOption {
	if isNil(tp) {
		return func(*jsonrpc.Client) {}
	}
	h := newHTTPClientHooks(tp, "jsonrpc", method, opts)
	return func(c *jsonrpc.Client) {
		jsonrpc.ClientBefore(h.before)(c)
		jsonrpc.ClientAfter(h.after)(c)
		jsonrpc.ClientFinalizer(h.finalize)(c)
	}
}

type httpClientHooks struct {
	*config
	tracer    trace.Tracer
	rpcSystem string
	rpcMethod string
	start     []trace.SpanStartOption
}

func newHTTPClientHooks(tp trace.TracerProvider, rpcSystem, rpcMethod string, opts []Option) *httpClientHooks {
	c := newConfig(opts)
	return &httpClientHooks{
		config:    c,
		tracer:    c.tracer(tp),
		rpcSystem: rpcSystem,
		rpcMethod: rpcMethod,
		start:     []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindClient)},
	}
}

func (h *httpClientHooks) before(ctx context.Context, r *http.Request) context.Context {
	method := knownMethod(r.Method)
	name := h.name
	if name == "" {
		name = method
		if h.rpcMethod != "" {
			name = h.rpcMethod
		}
	}
	ctx, span := h.tracer.Start(ctx, name, h.start...)
	if span.IsRecording() {
		attrs := make([]attribute.KeyValue, 0, 8+len(h.attrs))
		attrs = append(attrs,
			semconv.HTTPRequestMethodKey.String(method),
			semconv.URLFullKey.String(r.URL.Redacted()))
		if method != r.Method {
			attrs = append(attrs, semconv.HTTPRequestMethodOriginalKey.String(r.Method))
		}
		attrs = appendHostPort(attrs, r.URL.Host, semconv.ServerAddressKey, semconv.ServerPortKey)
		if h.rpcSystem != "" {
			attrs = append(attrs, semconv.RPCSystemNameKey.String(h.rpcSystem),
				semconv.RPCMethodKey.String(h.rpcMethod))
		}
		span.SetAttributes(append(attrs, h.attrs...)...)
	}
	h.prop.Inject(ctx, propagation.HeaderCarrier(r.Header))
	return context.WithValue(ctx, clientSpanKey{}, span)
}

func (h *httpClientHooks) after(ctx context.Context, resp *http.Response) context.Context {
	if span := ownSpan(ctx, clientSpanKey{}); span != nil && span.IsRecording() {
		span.SetAttributes(semconv.HTTPResponseStatusCodeKey.Int(resp.StatusCode))
		// A client span is an error for any 4xx or 5xx (HTTP semantic
		// conventions): the call did not do what it was asked.
		if resp.StatusCode >= 400 {
			span.SetAttributes(semconv.ErrorTypeKey.String(statusText(resp.StatusCode)))
			span.SetStatus(codes.Error, "")
		}
	}
	return ctx
}

func (h *httpClientHooks) finalize(ctx context.Context, err error) {
	span := ownSpan(ctx, clientSpanKey{})
	if span == nil {
		return
	}
	if err != nil && span.IsRecording() {
		h.clientError(ctx, span, err)
	}
	span.End()
}

// clientError records a failed call on a client span. The span is an error
// unless the call ended because the caller itself gave up (its own
// cancellation or deadline, endpoint.CallerError with the context done):
// that is no failure of the call's target.
func (c *config) clientError(ctx context.Context, span trace.Span, err error) {
	span.RecordError(err)
	etype := typeName(err)
	var jc jsonrpc.ErrorCoder
	var re *kithttp.ResponseError
	var sc interface{ StatusCode() int }
	switch {
	case errors.As(err, &jc):
		etype = strconv.Itoa(jc.ErrorCode())
		span.SetAttributes(semconv.RPCResponseStatusCodeKey.String(etype))
	case errors.As(err, &re):
		etype = statusText(re.Code)
	case errors.As(err, &sc):
		etype = statusText(sc.StatusCode())
	}
	span.SetAttributes(semconv.ErrorTypeKey.String(etype))
	if o := c.classify(ctx, nil, err); o.Kind == endpoint.CallerError && ctx.Err() != nil {
		span.SetAttributes(OutcomeKey.String(o.Kind.String()))
		return
	}
	span.SetStatus(codes.Error, err.Error())
}

// extract continues the caller's trace from carrier: the returned context
// carries the remote span context as the parent of the span to start, or,
// for a Public server, start options linking to it.
func extract(ctx context.Context, c *config, carrier propagation.TextMapCarrier, start []trace.SpanStartOption) (context.Context, []trace.SpanStartOption) {
	ectx := c.prop.Extract(ctx, carrier)
	if !c.public {
		return ectx, start
	}
	// A public server keeps baggage out too: it comes from the same
	// stranger as the trace id.
	if sc := trace.SpanContextFromContext(ectx); sc.IsValid() {
		start = append(start[:len(start):len(start)], trace.WithLinks(trace.Link{SpanContext: sc}), trace.WithNewRoot())
		return ctx, start
	}
	return ctx, start
}

// knownMethod is the request method, or "_OTHER" for one outside RFC 9110
// and PATCH: a stranger's method would otherwise grow span names without
// bound.
func knownMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace:
		return m
	}
	return "_OTHER"
}

// routeOf is the path part of a ServeMux pattern ("POST example.com/sum/{id}"
// -> "/sum/{id}"), the http.route of the semantic conventions.
func routeOf(pattern string) string {
	if pattern == "" {
		return ""
	}
	if i := strings.IndexAny(pattern, " \t"); i >= 0 {
		pattern = strings.TrimLeft(pattern[i:], " \t")
	}
	if i := strings.IndexByte(pattern, '/'); i > 0 {
		pattern = pattern[i:]
	}
	return pattern
}

func scheme(r *http.Request) string {
	if r.TLS != nil {
		return "https"
	}
	return "http"
}

func protoVersion(r *http.Request) string {
	switch {
	case r.ProtoMajor == 2:
		return "2"
	case r.ProtoMajor == 1 && r.ProtoMinor == 0:
		return "1.0"
	case r.ProtoMajor == 3:
		return "3"
	}
	return "1.1"
}

// appendHostPort appends the host and port of hostport (a Host header or a
// URL's host) as the given keys.
func appendHostPort(attrs []attribute.KeyValue, hostport string, hostKey, portKey attribute.Key) []attribute.KeyValue {
	if hostport == "" {
		return attrs
	}
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		return append(attrs, hostKey.String(hostport))
	}
	attrs = append(attrs, hostKey.String(host))
	if p, err := strconv.Atoi(port); err == nil {
		attrs = append(attrs, portKey.Int(p))
	}
	return attrs
}
