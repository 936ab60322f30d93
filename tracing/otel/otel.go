package otel

import (
	"context"
	"reflect"

	"go.opentelemetry.io/contrib/propagators/b3"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/endpointkit/kit/endpoint"
)

// ScopeName is the instrumentation scope of every span this package starts.
const ScopeName = "github.com/endpointkit/kit/tracing/otel"

// Option configures TraceEndpoint and the transport hooks.
type Option func(*config)

type config struct {
	name       string
	prop       propagation.TextMapPropagator
	attrs      []attribute.KeyValue
	classify   endpoint.Classifier
	errorWhen  func(endpoint.Outcome) bool
	public     bool
	tracerOpts []trace.TracerOption
}

func newConfig(opts []Option) *config {
	c := &config{
		prop:      defaultPropagator(),
		classify:  endpoint.Classify,
		errorWhen: endpoint.Outcome.Failed,
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Name sets the name of the spans a transport hook starts, instead of the
// one the semantic conventions give (see the package doc).
func Name(name string) Option { return func(c *config) { c.name = name } }

// Attributes adds attributes to every span started, as Go kit's Tags did.
func Attributes(attrs ...attribute.KeyValue) Option {
	return func(c *config) { c.attrs = append(c.attrs, attrs...) }
}

// Propagator sets how trace context travels in headers and metadata. The
// default is W3C Trace Context and W3C Baggage (a baggage header that does
// not parse is dropped without the log line OpenTelemetry's own Baggage
// propagator writes for each). Pass a composite to accept several formats.
func Propagator(p propagation.TextMapPropagator) Option {
	return func(c *config) { c.prop = p }
}

// B3 adds B3 propagation (github.com/openzipkin/b3-propagation) to W3C
// Trace Context and Baggage, for fleets where Zipkin-instrumented services
// call or are called by OpenTelemetry ones: incoming requests are read in
// either format (W3C first), outgoing ones carry both, B3 in its multiple
// headers (X-B3-TraceId...) and in its single header (b3).
func B3() Option {
	return Propagator(propagation.NewCompositeTextMapPropagator(
		propagation.TraceContext{}, quietBaggage{},
		b3.New(b3.WithInjectEncoding(b3.B3MultipleHeader|b3.B3SingleHeader))))
}

// Classifier sets how the outcome of a call is judged (see endpoint.Outcome
// and ErrorWhen). The default is endpoint.Classify.
func Classifier(cl endpoint.Classifier) Option { return func(c *config) { c.classify = cl } }

// ErrorWhen sets which outcomes mark an endpoint span as an error. The
// default is endpoint.Outcome.Failed: dependency failures and overload.
// Business errors and caller errors are recorded on the span but leave its
// status unset; to mark them too:
//
//	otel.ErrorWhen(func(o endpoint.Outcome) bool { return o.Kind != endpoint.Success })
func ErrorWhen(f func(endpoint.Outcome) bool) Option { return func(c *config) { c.errorWhen = f } }

// Public makes a server hook start a new trace for every request, linked to
// the caller's span instead of continuing its trace: for servers that face
// callers outside the system, whose trace ids and sampling decisions should
// not be trusted.
func Public() Option { return func(c *config) { c.public = true } }

// TracerOptions are passed to TracerProvider.Tracer (an instrumentation
// version, a schema URL).
func TracerOptions(opts ...trace.TracerOption) Option {
	return func(c *config) { c.tracerOpts = append(c.tracerOpts, opts...) }
}

func (c *config) tracer(tp trace.TracerProvider) trace.Tracer {
	opts := append([]trace.TracerOption{trace.WithSchemaURL(semconv.SchemaURL)}, c.tracerOpts...)
	return tp.Tracer(ScopeName, opts...)
}

// Outcome attribute keys. The semantic conventions have no word for kit's
// failure model, so these live under kit's own prefix.
const (
	// OutcomeKey is the endpoint.Kind of a call: "success",
	// "business_error", "caller_error", "dependency_failure", "overloaded".
	OutcomeKey = attribute.Key("kit.outcome")
	// RetryableKey is set true on a failed call that may be retried.
	RetryableKey = attribute.Key("kit.retryable")
	// BusinessErrorEvent names the event recording a Failer response's
	// error (its message in the exception.message attribute).
	BusinessErrorEvent = "business_error"
)

// isNil reports whether tp is nil or a nil pointer: a program that builds
// no provider often passes a nil *sdktrace.TracerProvider, which would
// otherwise be called and fail.
func isNil(tp trace.TracerProvider) bool {
	if tp == nil {
		return true
	}
	v := reflect.ValueOf(tp)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

func identity(next endpoint.Endpoint) endpoint.Endpoint { return next }

// TraceEndpoint returns a Middleware that wraps each call in a span called
// name, a child of the span in the call's context (a server hook's span,
// another endpoint's, or none for a new trace). The span records how the
// call ended as kit's failure model judges it (see the package doc); its
// attributes are computed only when it is recording.
//
// A nil tp (a nil interface, or a nil pointer in one, as a program's unset
// *sdktrace.TracerProvider) returns a Middleware that returns the endpoint
// unchanged: tracing switched off costs nothing per call.
func TraceEndpoint(tp trace.TracerProvider, name string, opts ...Option) endpoint.Middleware {
	if isNil(tp) {
		return identity
	}
	c := newConfig(opts)
	tracer := c.tracer(tp)
	return func(next endpoint.Endpoint) endpoint.Endpoint {
		return func(ctx context.Context, request any) (any, error) {
			// No start options: the kind is internal by default, and
			// options cost the SDK a loop per span.
			sctx, span := tracer.Start(ctx, name)
			response, err := next(sctx, request)
			if span.IsRecording() {
				c.endEndpoint(ctx, span, response, err)
			}
			span.End()
			return response, err
		}
	}
}

// endEndpoint records the outcome of a call on its recording span.
func (c *config) endEndpoint(ctx context.Context, span trace.Span, response any, err error) {
	o := c.classify(ctx, response, err)
	span.SetAttributes(OutcomeKey.String(o.Kind.String()))
	if len(c.attrs) > 0 {
		span.SetAttributes(c.attrs...)
	}
	if o.Retryable && o.Kind != endpoint.Success {
		span.SetAttributes(RetryableKey.Bool(true))
	}
	failed := err
	if err == nil {
		if f, ok := response.(endpoint.Failer); ok && f.Failed() != nil {
			failed = f.Failed()
			span.AddEvent(BusinessErrorEvent, trace.WithAttributes(
				semconv.ExceptionMessage(failed.Error()), semconv.ExceptionType(errorType(failed))))
		}
	} else {
		span.RecordError(err)
		span.SetAttributes(semconv.ErrorTypeKey.String(errorType(err)))
	}
	if failed != nil && c.errorWhen(o) {
		span.SetStatus(codes.Error, failed.Error())
	}
}

// errorType names an error for error.type: its text would explode the
// attribute's cardinality, so it is the outermost error's Go type.
func errorType(err error) string { return typeName(err) }
