package otel_test

import (
	"context"
	"reflect"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/tracing/otel"
)

func nop(context.Context, any) (any, error) { return nil, nil }

// TestNilProviderReturnsEndpoint: tracing switched off is the endpoint
// itself, and calling the middleware allocates nothing.
func TestNilProviderReturnsEndpoint(t *testing.T) {
	mw := otel.TraceEndpoint(nil, "x")
	var ep endpoint.Endpoint = nop
	if got := mw(ep); reflect.ValueOf(got).Pointer() != reflect.ValueOf(ep).Pointer() {
		t.Errorf("TraceEndpoint(nil, ...)(ep) is not ep")
	}
	if n := testing.AllocsPerRun(100, func() { _ = otel.TraceEndpoint(nil, "x")(ep) }); n != 0 {
		t.Errorf("TraceEndpoint(nil, ...)(ep): %v allocs, want 0", n)
	}
}

// TestAllocsSampledOut: with a provider that samples nothing, a traced
// call allocates no more than the SDK's own Start and End written by hand:
// no attribute is computed for a span that does not record.
func TestAllocsSampledOut(t *testing.T) {
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.NeverSample()))
	defer tp.Shutdown(context.Background())
	ctx := context.Background()
	traced := otel.TraceEndpoint(tp, "x")(nop)
	tracer := tp.Tracer("hand")
	hand := func() {
		sctx, span := tracer.Start(ctx, "x")
		_, _ = nop(sctx, nil)
		span.End()
	}
	want := testing.AllocsPerRun(200, hand)
	if got := testing.AllocsPerRun(200, func() { _, _ = traced(ctx, nil) }); got > want {
		t.Errorf("TraceEndpoint, sampled out: %v allocs/call, want <= %v (hand-written Start/End)", got, want)
	}
}

// TestAllocsSampled: a recording endpoint span costs at most one
// allocation more than a hand-written span with the same attribute.
func TestAllocsSampled(t *testing.T) {
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(&spanCounter{}))
	defer tp.Shutdown(context.Background())
	ctx := context.Background()
	traced := otel.TraceEndpoint(tp, "x")(nop)
	tracer := tp.Tracer("hand")
	hand := func() {
		sctx, span := tracer.Start(ctx, "x")
		_, _ = nop(sctx, nil)
		span.SetAttributes(otel.OutcomeKey.String(endpoint.Success.String()))
		span.End()
	}
	want := testing.AllocsPerRun(200, hand)
	if got := testing.AllocsPerRun(200, func() { _, _ = traced(ctx, nil) }); got > want+1 {
		t.Errorf("TraceEndpoint, sampled: %v allocs/call, want <= %v (hand-written + 1)", got, want+1)
	}
}
