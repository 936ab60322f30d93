package zipkin

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/apache/thrift/lib/go/thrift"
	"github.com/openzipkin/zipkin-go"
	"github.com/openzipkin/zipkin-go/model"
	"github.com/openzipkin/zipkin-go/propagation/b3"

	"github.com/endpointkit/kit/endpoint"
	kitthrift "github.com/endpointkit/kit/transport/thrift"
)

// Tags of Thrift spans.
const (
	// TagThriftMethod is the Thrift method called ("Sum").
	TagThriftMethod = "thrift.method"
	// TagThriftException is the type of the exception a failed call
	// ended with: a TApplicationException's type ("INTERNAL_ERROR",
	// "OVERLOADED", see kitthrift.ExceptionName), or the Go type of a
	// declared IDL exception or of any other error.
	TagThriftException = "thrift.exception"
)

// ThriftServerTrace returns a ServerOption that traces every call of a kit
// Thrift Server: its Before hook reads B3 headers (multiple or single, keys
// in any case) from the request's THeader headers and starts a server span
// named after the method the ConnServer serves ("thrift" outside one); its
// Finalizer tags the exception sent, if any, and finishes the span. The
// span is tagged error only when the exception is the server's own failure
// (a dependency failure in kit's failure model), not for a bad request,
// the caller's deadline or a refusal under load. Headers that do not parse
// are ignored (logged with Logger): the call is served in a new trace, as
// is every call over a protocol without headers. A nil tracer adds no
// hooks.
func ThriftServerTrace(tracer *zipkin.Tracer, options ...TracerOption) kitthrift.ServerOption {
	if tracer == nil {
		return func(*kitthrift.Server) {}
	}
	h := &thriftServerHooks{tracerOptions: newOptions(options), tracer: tracer}
	return func(s *kitthrift.Server) {
		kitthrift.ServerBefore(h.before)(s)
		kitthrift.ServerFinalizer(h.finalize)(s)
	}
}

type thriftServerHooks struct {
	*tracerOptions
	tracer *zipkin.Tracer
}

// b3Keys are the B3 header names, as b3.Map spells them (lower case).
var b3Keys = [...]string{b3.TraceID, b3.SpanID, b3.ParentSpanID, b3.Sampled, b3.Flags, b3.Context}

// b3Headers returns the B3 headers among header, under b3.Map's lower-case
// names whatever their case was.
func b3Headers(header thrift.THeaderMap) b3.Map {
	m := make(b3.Map, 2)
	for k, v := range header {
		for _, key := range b3Keys {
			if strings.EqualFold(k, key) {
				m[key] = v
				break
			}
		}
	}
	return m
}

func (h *thriftServerHooks) before(ctx context.Context, header thrift.THeaderMap) context.Context {
	var parent model.SpanContext
	if h.propagate && len(header) > 0 {
		m := b3Headers(header)
		if len(m) > 0 {
			parent = h.extract(m.Extract)
		}
	}
	method, _ := kitthrift.MethodFromContext(ctx)
	name := h.name
	if name == "" {
		if name = method; name == "" {
			name = "thrift"
		}
	}
	span := h.tracer.StartSpan(name, h.startOptions(zipkin.Kind(model.Server), zipkin.Parent(parent))...)
	if p, ok := kitthrift.PeerFromContext(ctx); ok && recording(span) {
		setRemote(span, p)
	}
	if method != "" && recording(span) {
		span.Tag(TagThriftMethod, method)
	}
	return context.WithValue(zipkin.NewContext(ctx, span), serverSpanKey{}, span)
}

func (h *thriftServerHooks) finalize(ctx context.Context, err error) {
	span := ownSpan(ctx, serverSpanKey{})
	if span == nil {
		return
	}
	if err != nil && recording(span) {
		span.Tag(TagThriftException, thriftException(err))
		if h.classify(ctx, nil, err).Kind == endpoint.DependencyFailure {
			zipkin.TagError.Set(span, err.Error())
		}
	}
	span.Finish()
}

// ThriftClientTrace returns a ClientOption that traces every call of a kit
// Thrift Client of method (the generated client's method, "Sum"): its
// Before hook starts a client span named after method (or Name), a child
// of the span in the call's context, and writes B3 headers into the
// request's THeader headers (the multiple headers by default, see
// InjectOptions; they reach servers of the header protocol only); its
// Finalizer tags a failed call and finishes the span. The span covers the
// whole call, taking or dialling a connection included. A nil tracer adds
// no hooks.
func ThriftClientTrace(tracer *zipkin.Tracer, method string, options ...TracerOption) kitthrift.ClientOption {
	if tracer == nil {
		return func(*kitthrift.Client) {}
	}
	h := &thriftClientHooks{tracerOptions: newOptions(options), tracer: tracer, method: method}
	if h.name == "" {
		if h.name = method; h.name == "" {
			h.name = "thrift"
		}
	}
	return func(c *kitthrift.Client) {
		kitthrift.ClientBefore(h.before)(c)
		kitthrift.ClientFinalizer(h.finalize)(c)
	}
}

type thriftClientHooks struct {
	*tracerOptions
	tracer *zipkin.Tracer
	method string
}

func (h *thriftClientHooks) before(ctx context.Context, header thrift.THeaderMap) context.Context {
	span := h.tracer.StartSpan(h.name, h.startClientOptions(ctx)...)
	if h.method != "" && recording(span) {
		span.Tag(TagThriftMethod, h.method)
	}
	if h.propagate && header != nil {
		m := b3.Map(header)
		_ = m.Inject(h.inject...)(span.Context())
	}
	return context.WithValue(zipkin.NewContext(ctx, span), clientSpanKey{}, span)
}

func (h *thriftClientHooks) finalize(ctx context.Context, err error) {
	span := ownSpan(ctx, clientSpanKey{})
	if span == nil {
		return
	}
	if err != nil && recording(span) {
		span.Tag(TagThriftException, thriftException(err))
		h.clientError(ctx, span, err)
	}
	span.Finish()
}

// thriftException names a Thrift call's error for TagThriftException.
func thriftException(err error) string {
	var ae *kitthrift.ApplicationError
	if errors.As(err, &ae) {
		return kitthrift.ExceptionName(ae.Type)
	}
	var te thrift.TApplicationException
	if errors.As(err, &te) {
		return kitthrift.ExceptionName(te.TypeId())
	}
	return fmt.Sprintf("%T", err)
}
