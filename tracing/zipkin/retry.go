package zipkin

import (
	"context"
	"strconv"

	"github.com/openzipkin/zipkin-go"

	"github.com/endpointkit/kit/endpoint"
)

// Tags of attempt spans.
const (
	// TagAttempt is an attempt's number, 1 for the first.
	TagAttempt = "kit.retry.attempt"
	// TagInstance is the name of the instance an attempt was sent to, as
	// the balancer names it (usually host:port).
	TagInstance = "kit.retry.instance"
)

// RetryAttempts returns a hook for loadbalancer.RetrySettings.Attempt that
// wraps each attempt of a retry in a span named "attempt" (or Name), a
// child of the span in the call's context and the parent of the attempt's
// client span, tagged kit.retry.attempt, kit.retry.instance and the
// attempt's outcome as TraceEndpoint tags it:
//
//	loadbalancer.RetryWith(balancer, loadbalancer.RetrySettings{
//		Attempt: kitzipkin.RetryAttempts(tracer),
//	})
//
// A nil tracer returns nil, which RetryWith takes as no hook.
func RetryAttempts(tracer *zipkin.Tracer, options ...TracerOption) func(n int, instance string, next endpoint.Endpoint) endpoint.Endpoint {
	if tracer == nil {
		return nil
	}
	o := newOptions(options)
	name := o.name
	if name == "" {
		name = "attempt"
	}
	start := o.startOptions()
	return func(n int, instance string, next endpoint.Endpoint) endpoint.Endpoint {
		return func(ctx context.Context, request any) (any, error) {
			span, sctx := tracer.StartSpanFromContext(ctx, name, start...)
			if recording(span) {
				span.Tag(TagAttempt, strconv.Itoa(n))
				if instance != "" {
					span.Tag(TagInstance, instance)
				}
			}
			response, err := next(sctx, request)
			o.endEndpoint(ctx, span, response, err)
			span.Finish()
			return response, err
		}
	}
}
