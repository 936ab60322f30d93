package otel

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/endpointkit/kit/endpoint"
)

// Attributes of attempt spans.
const (
	// AttemptKey is an attempt's number, 1 for the first.
	AttemptKey = attribute.Key("kit.retry.attempt")
	// InstanceKey is the name of the instance an attempt was sent to, as
	// the balancer names it (usually host:port).
	InstanceKey = attribute.Key("kit.retry.instance")
)

// RetryAttempts returns a hook for loadbalancer.RetrySettings.Attempt that
// wraps each attempt of a retry in a span named "attempt" (or Name), a
// child of the span in the call's context and the parent of the attempt's
// client span, with kit.retry.attempt, kit.retry.instance and the
// attempt's outcome as TraceEndpoint records it:
//
//	loadbalancer.RetryWith(balancer, loadbalancer.RetrySettings{
//		Attempt: otel.RetryAttempts(tp),
//	})
//
// A nil tp returns nil, which RetryWith takes as no hook.
func RetryAttempts(tp trace.TracerProvider, opts ...Option) func(n int, instance string, next endpoint.Endpoint) endpoint.Endpoint {
	if isNil(tp) {
		return nil
	}
	c := newConfig(opts)
	tracer := c.tracer(tp)
	name := c.name
	if name == "" {
		name = "attempt"
	}
	return func(n int, instance string, next endpoint.Endpoint) endpoint.Endpoint {
		return func(ctx context.Context, request any) (any, error) {
			sctx, span := tracer.Start(ctx, name)
			if span.IsRecording() {
				span.SetAttributes(AttemptKey.Int(n))
				if instance != "" {
					span.SetAttributes(InstanceKey.String(instance))
				}
			}
			response, err := next(sctx, request)
			if span.IsRecording() {
				c.endEndpoint(ctx, span, response, err)
			}
			span.End()
			return response, err
		}
	}
}
