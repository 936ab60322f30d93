package zipkin

import (
	"net/http"

	"github.com/openzipkin/zipkin-go/propagation/b3"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/log"
)

// TracerOption configures TraceEndpoint and the transport hooks. The names
// are Go kit's: Name, Tags, Logger, AllowPropagation, RequestSampler.
type TracerOption func(o *tracerOptions)

type tracerOptions struct {
	name           string
	tags           map[string]string
	logger         log.Logger
	propagate      bool
	requestSampler func(r *http.Request) bool
	inject         []b3.InjectOption
	classify       endpoint.Classifier
	errorWhen      func(endpoint.Outcome) bool
}

func newOptions(options []TracerOption) *tracerOptions {
	o := &tracerOptions{
		tags:      make(map[string]string),
		logger:    log.NewNopLogger(),
		propagate: true,
		classify:  endpoint.Classify,
		errorWhen: endpoint.Outcome.Failed,
	}
	for _, opt := range options {
		opt(o)
	}
	return o
}

// Name sets the name of the spans a transport hook starts. By default an
// HTTP server span is named after the request method and the ServeMux
// route ("POST /sum"), an HTTP client span after the method, a gRPC
// server span after the full method ("pkg.Service/Method"), a gRPC
// client span "grpc" (kit's gRPC client does not put its method in the
// context, so give each client its Name), and Thrift spans after the
// method ("Sum").
func Name(name string) TracerOption {
	return func(o *tracerOptions) { o.name = name }
}

// Tags adds tags to every span started.
func Tags(tags map[string]string) TracerOption {
	return func(o *tracerOptions) {
		for k, v := range tags {
			o.tags[k] = v
		}
	}
}

// Logger sets where a server logs trace headers it could not read (one
// line per such request); by default they are dropped silently. The
// request is served all the same, in a new trace.
func Logger(logger log.Logger) TracerOption {
	return func(o *tracerOptions) {
		if logger != nil {
			o.logger = logger
		}
	}
}

// AllowPropagation sets whether trace context crosses the wire: a server
// reads incoming B3 headers and a client writes them. The default is true;
// a server facing untrusted callers may set false to start every request
// in a trace of its own.
func AllowPropagation(propagate bool) TracerOption {
	return func(o *tracerOptions) { o.propagate = propagate }
}

// RequestSampler sets an HTTP server's sampling decision from the request,
// for requests whose caller made none (no X-B3-Sampled, no b3 sampling
// state); a caller's decision is kept.
func RequestSampler(sample func(r *http.Request) bool) TracerOption {
	return func(o *tracerOptions) { o.requestSampler = sample }
}

// InjectOptions sets how an HTTP client writes B3 headers; by default the
// multiple headers (X-B3-TraceId...). b3.WithSingleAndMultiHeader() adds
// the single b3 header, b3.WithSingleHeaderOnly() writes only it; Thrift
// clients follow them too. (gRPC clients always write the multiple
// headers.) Servers read both forms.
func InjectOptions(opts ...b3.InjectOption) TracerOption {
	return func(o *tracerOptions) { o.inject = append(o.inject, opts...) }
}

// Classifier sets how the outcome of an endpoint call is judged (see
// ErrorWhen). The default is endpoint.Classify.
func Classifier(c endpoint.Classifier) TracerOption {
	return func(o *tracerOptions) { o.classify = c }
}

// ErrorWhen sets which outcomes tag an endpoint span with "error". The
// default is endpoint.Outcome.Failed (dependency failures and overload):
// business and caller errors are tagged kit.outcome and annotated, not
// tagged error.
func ErrorWhen(f func(endpoint.Outcome) bool) TracerOption {
	return func(o *tracerOptions) { o.errorWhen = f }
}
