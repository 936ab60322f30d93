package zipkin

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/openzipkin/zipkin-go"
	"github.com/openzipkin/zipkin-go/model"
	"github.com/openzipkin/zipkin-go/propagation/b3"

	"github.com/endpointkit/kit/endpoint"
	kithttp "github.com/endpointkit/kit/transport/http"
	"github.com/endpointkit/kit/transport/http/jsonrpc"
)

// Context keys marking the spans this package's hooks started, so that a
// finalizer finishes its own span and never its caller's.
type (
	serverSpanKey struct{}
	clientSpanKey struct{}
)

func ownSpan(ctx context.Context, key any) zipkin.Span {
	s, _ := ctx.Value(key).(zipkin.Span)
	return s
}

// HTTPServerTrace returns a ServerOption that traces every request of a kit
// HTTP Server: its Before hook reads B3 headers (multiple or single) and
// starts a server span; its Finalizer tags the status and finishes the
// span. Headers that do not parse are ignored (logged with Logger): the
// request is served in a new trace. A nil tracer adds no hooks.
func HTTPServerTrace(tracer *zipkin.Tracer, options ...TracerOption) kithttp.ServerOption {
	if tracer == nil {
		return func(*kithttp.Server) {}
	}
	h := &httpServerHooks{tracerOptions: newOptions(options), tracer: tracer}
	return func(s *kithttp.Server) {
		kithttp.ServerBefore(h.before)(s)
		kithttp.ServerFinalizer(h.finalize)(s)
	}
}

// JSONRPCServerTrace is HTTPServerTrace for a JSON-RPC Server (its hooks
// run before the body is read: name the endpoint spans after the methods).
func JSONRPCServerTrace(tracer *zipkin.Tracer, options ...TracerOption) jsonrpc.ServerOption {
	if tracer == nil {
		return func(*jsonrpc.Server) {}
	}
	h := &httpServerHooks{tracerOptions: newOptions(options), tracer: tracer}
	return func(s *jsonrpc.Server) {
		jsonrpc.ServerBefore(h.before)(s)
		jsonrpc.ServerFinalizer(h.finalize)(s)
	}
}

type httpServerHooks struct {
	*tracerOptions
	tracer *zipkin.Tracer
}

func (h *httpServerHooks) before(ctx context.Context, r *http.Request) context.Context {
	var parent model.SpanContext
	if h.propagate {
		parent = h.extract(b3.ExtractHTTP(r))
	}
	if h.requestSampler != nil && parent.Sampled == nil && !parent.Debug {
		sample := h.requestSampler(r)
		parent.Sampled = &sample
	}
	route := routeOf(r.Pattern)
	name := h.name
	if name == "" {
		// As Zipkin's own instrumentation names them: the method, and the
		// route when a ServeMux pattern matched.
		name = r.Method
		if route != "" {
			name = r.Method + " " + route
		}
	}
	span := h.tracer.StartSpan(name, h.startOptions(zipkin.Kind(model.Server), zipkin.Parent(parent))...)
	if recording(span) {
		setRemote(span, r.RemoteAddr)
		zipkin.TagHTTPMethod.Set(span, r.Method)
		zipkin.TagHTTPPath.Set(span, r.URL.Path)
		if route != "" {
			zipkin.TagHTTPRoute.Set(span, route)
		}
	}
	return context.WithValue(zipkin.NewContext(ctx, span), serverSpanKey{}, span)
}

// extract reads the caller's span context, or returns an empty one (a new
// trace) when the headers do not parse. The error never reaches
// zipkin.Parent, which a tracer built WithExtractFailurePolicy(
// ExtractFailurePolicyError) would turn into a panic.
func (o *tracerOptions) extract(extract func() (*model.SpanContext, error)) (sc model.SpanContext) {
	// zipkin-go v0.4.3's b3.ParseSingleHeader indexes past the end of
	// some malformed single headers (33 hex digits, found by
	// FuzzHTTPServerExtract): a stranger's header must not become a 500.
	defer func() {
		if v := recover(); v != nil {
			_ = o.logger.Log("msg", "ignoring invalid B3 trace headers", "err", fmt.Sprint("parser panic: ", v))
			sc = model.SpanContext{}
		}
	}()
	psc, err := extract()
	if err != nil {
		_ = o.logger.Log("msg", "ignoring invalid B3 trace headers", "err", err)
		return model.SpanContext{}
	}
	if psc == nil {
		return model.SpanContext{}
	}
	// zipkin-go's B3 parser takes an all-zero span id; a parent with it
	// would make every span of the trace point at a span that never was.
	if !psc.TraceID.Empty() && psc.ID == 0 {
		_ = o.logger.Log("msg", "ignoring invalid B3 trace headers", "err", "zero span id")
		return model.SpanContext{}
	}
	return *psc
}

func (h *httpServerHooks) finalize(ctx context.Context, code int, _ *http.Request) {
	span := ownSpan(ctx, serverSpanKey{})
	if span == nil {
		return
	}
	if recording(span) {
		zipkin.TagHTTPStatusCode.Set(span, statusCode(code))
		if n := kithttp.ResponseSize(ctx); n > 0 {
			zipkin.TagHTTPResponseSize.Set(span, strconv.FormatInt(n, 10))
		}
		// 5xx only: a 4xx is the caller's mistake, not this server's.
		if code >= 500 {
			zipkin.TagError.Set(span, statusCode(code))
		}
	}
	span.Finish()
}

// HTTPClientTrace returns a ClientOption that traces every call of a kit
// HTTP Client: its Before hook starts a client span, a child of the span in
// the call's context, and writes B3 headers; its After hook tags the
// response status; its Finalizer tags the call's error and finishes the
// span. A nil tracer adds no hooks.
func HTTPClientTrace(tracer *zipkin.Tracer, options ...TracerOption) kithttp.ClientOption {
	if tracer == nil {
		return func(*kithttp.Client) {}
	}
	h := &httpClientHooks{tracerOptions: newOptions(options), tracer: tracer}
	return func(c *kithttp.Client) {
		kithttp.ClientBefore(h.before)(c)
		kithttp.ClientAfter(h.after)(c)
		kithttp.ClientFinalizer(h.finalize)(c)
	}
}

// JSONRPCClientTrace is HTTPClientTrace for a JSON-RPC Client; its spans
// are named after method unless Name says otherwise.
func JSONRPCClientTrace(tracer *zipkin.Tracer, method string, options ...TracerOption) jsonrpc.ClientOption {
	if tracer == nil {
		return func(*jsonrpc.Client) {}
	}
	o := newOptions(append([]TracerOption{Name(method)}, options...))
	h := &httpClientHooks{tracerOptions: o, tracer: tracer}
	return func(c *jsonrpc.Client) {
		jsonrpc.ClientBefore(h.before)(c)
		jsonrpc.ClientAfter(h.after)(c)
		jsonrpc.ClientFinalizer(h.finalize)(c)
	}
}

type httpClientHooks struct {
	*tracerOptions
	tracer *zipkin.Tracer
}

func (h *httpClientHooks) before(ctx context.Context, r *http.Request) context.Context {
	name := h.name
	if name == "" {
		name = r.Method
	}
	span := h.tracer.StartSpan(name, h.startClientOptions(ctx)...)
	if recording(span) {
		setRemote(span, r.URL.Host)
		zipkin.TagHTTPMethod.Set(span, r.Method)
		zipkin.TagHTTPUrl.Set(span, r.URL.Redacted())
	}
	if h.propagate {
		_ = b3.InjectHTTP(r, h.inject...)(span.Context())
	}
	return context.WithValue(zipkin.NewContext(ctx, span), clientSpanKey{}, span)
}

func (o *tracerOptions) startClientOptions(ctx context.Context) []zipkin.SpanOption {
	opts := o.startOptions(zipkin.Kind(model.Client))
	if parent := zipkin.SpanFromContext(ctx); parent != nil {
		opts = append(opts, zipkin.Parent(parent.Context()))
	}
	return opts
}

func (h *httpClientHooks) after(ctx context.Context, resp *http.Response) context.Context {
	if span := ownSpan(ctx, clientSpanKey{}); span != nil && recording(span) {
		zipkin.TagHTTPStatusCode.Set(span, statusCode(resp.StatusCode))
		if resp.StatusCode >= 400 {
			zipkin.TagError.Set(span, statusCode(resp.StatusCode))
		}
	}
	return ctx
}

func (h *httpClientHooks) finalize(ctx context.Context, err error) {
	span := ownSpan(ctx, clientSpanKey{})
	if span == nil {
		return
	}
	if err != nil && recording(span) {
		h.clientError(ctx, span, err)
	}
	span.Finish()
}

// clientError tags a failed call: "error", unless the call ended because
// its own caller gave up (endpoint.CallerError with the context done),
// which is no failure of the call's target.
func (o *tracerOptions) clientError(ctx context.Context, span zipkin.Span, err error) {
	if out := o.classify(ctx, nil, err); out.Kind == endpoint.CallerError && ctx.Err() != nil {
		span.Tag(TagOutcome, out.Kind.String())
		span.Annotate(timeNow(), "error: "+err.Error())
		return
	}
	zipkin.TagError.Set(span, err.Error()) // the first error tag is kept
}

// remoteEndpoint is the peer at hostport, or nil when it does not parse.
// setRemote records the peer at hostport on a recording span; a span
// sampled out is spared parsing the address.
func setRemote(span zipkin.Span, hostport string) {
	if e := remoteEndpoint(hostport); e != nil {
		span.SetRemoteEndpoint(e)
	}
}

// statusCode is code in decimal, without allocating for the common ones.
func statusCode(code int) string {
	switch code {
	case http.StatusOK:
		return "200"
	case http.StatusCreated:
		return "201"
	case http.StatusNoContent:
		return "204"
	case http.StatusBadRequest:
		return "400"
	case http.StatusUnauthorized:
		return "401"
	case http.StatusForbidden:
		return "403"
	case http.StatusNotFound:
		return "404"
	case http.StatusTooManyRequests:
		return "429"
	case http.StatusInternalServerError:
		return "500"
	case http.StatusBadGateway:
		return "502"
	case http.StatusServiceUnavailable:
		return "503"
	case http.StatusGatewayTimeout:
		return "504"
	}
	return strconv.Itoa(code)
}

func remoteEndpoint(hostport string) *model.Endpoint {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		return nil
	}
	e := &model.Endpoint{}
	if ip := net.ParseIP(host); ip != nil {
		if ip4 := ip.To4(); ip4 != nil {
			e.IPv4 = ip4
		} else {
			e.IPv6 = ip
		}
	} else {
		return nil
	}
	if p, err := strconv.ParseUint(port, 10, 16); err == nil {
		e.Port = uint16(p)
	}
	return e
}

// routeOf is the path part of a ServeMux pattern ("POST example.com/sum" ->
// "/sum").
func routeOf(pattern string) string {
	if i := strings.IndexAny(pattern, " \t"); i >= 0 {
		pattern = strings.TrimLeft(pattern[i:], " \t")
	}
	if i := strings.IndexByte(pattern, '/'); i > 0 {
		pattern = pattern[i:]
	}
	return pattern
}
