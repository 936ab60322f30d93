package zipkin

import (
	"context"
	"time"

	"github.com/openzipkin/zipkin-go"

	"github.com/endpointkit/kit/endpoint"
)

// Tag keys of kit's own, beside zipkin-go's standard ones.
const (
	// TagOutcome is the endpoint.Kind of a call: "success",
	// "business_error", "caller_error", "dependency_failure", "overloaded".
	TagOutcome = "kit.outcome"
	// TagRetryable is "true" on a failed call that may be retried.
	TagRetryable = "kit.retryable"
)

func identity(next endpoint.Endpoint) endpoint.Endpoint { return next }

// TraceEndpoint returns a Middleware that wraps each call in a span called
// name, a child of the span in the call's context (or a new trace's root).
// The span is tagged with the call's outcome as kit's failure model judges
// it, and with "error" only when ErrorWhen says so (by default, for
// dependency failures and overload); a business error (an endpoint.Failer
// response) is tagged kit.outcome=business_error and annotated with its
// message.
//
// A nil tracer returns a Middleware that returns the endpoint unchanged.
func TraceEndpoint(tracer *zipkin.Tracer, name string, options ...TracerOption) endpoint.Middleware {
	if tracer == nil {
		return identity
	}
	o := newOptions(options)
	start := o.startOptions()
	return func(next endpoint.Endpoint) endpoint.Endpoint {
		return func(ctx context.Context, request any) (any, error) {
			span, sctx := tracer.StartSpanFromContext(ctx, name, start...)
			response, err := next(sctx, request)
			o.endEndpoint(ctx, span, response, err)
			span.Finish()
			return response, err
		}
	}
}

// startOptions are the span options every span gets, built once.
func (o *tracerOptions) startOptions(more ...zipkin.SpanOption) []zipkin.SpanOption {
	if len(o.tags) > 0 {
		more = append(more, zipkin.Tags(o.tags))
	}
	return more
}

func (o *tracerOptions) endEndpoint(ctx context.Context, span zipkin.Span, response any, err error) {
	if !recording(span) {
		return
	}
	out := o.classify(ctx, response, err)
	span.Tag(TagOutcome, out.Kind.String())
	if out.Retryable && out.Kind != endpoint.Success {
		span.Tag(TagRetryable, "true")
	}
	failed := err
	if err == nil {
		if f, ok := response.(endpoint.Failer); ok && f.Failed() != nil {
			failed = f.Failed()
			span.Annotate(time.Now(), "business_error: "+failed.Error())
		}
	}
	if failed == nil {
		return
	}
	if o.errorWhen(out) {
		zipkin.TagError.Set(span, failed.Error())
	} else if err != nil {
		span.Annotate(time.Now(), "error: "+err.Error())
	}
}

// recording reports whether span will be reported: tags on others are
// computed for nothing.
func recording(span zipkin.Span) bool {
	sc := span.Context()
	return sc.Debug || (sc.Sampled != nil && *sc.Sampled)
}
