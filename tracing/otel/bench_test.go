package otel_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/endpointkit/kit/tracing/otel"
)

func benchProvider(b *testing.B, sampled bool) *sdktrace.TracerProvider {
	sampler := sdktrace.NeverSample()
	if sampled {
		sampler = sdktrace.AlwaysSample()
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sampler), sdktrace.WithSpanProcessor(&spanCounter{}))
	b.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	return tp
}

func BenchmarkTraceEndpoint(b *testing.B) {
	var nilTP *sdktrace.TracerProvider
	for _, c := range []struct {
		name string
		tp   func(*testing.B) *sdktrace.TracerProvider
	}{
		{"provider=nil", func(*testing.B) *sdktrace.TracerProvider { return nilTP }},
		{"sampled=no", func(b *testing.B) *sdktrace.TracerProvider { return benchProvider(b, false) }},
		{"sampled=yes", func(b *testing.B) *sdktrace.TracerProvider { return benchProvider(b, true) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			ep := otel.TraceEndpoint(c.tp(b), "x")(nop)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				_, _ = ep(ctx, nil)
			}
		})
	}
}

// BenchmarkHTTPServerTrace serves one request in process through a kit
// HTTP Server with HTTPServerTrace and a traced endpoint.
func BenchmarkHTTPServerTrace(b *testing.B) {
	for _, sampled := range []bool{false, true} {
		name := "sampled=no"
		if sampled {
			name = "sampled=yes"
		}
		b.Run(name, func(b *testing.B) {
			var seen context.Context
			h := tracedHandler(benchProvider(b, sampled), &seen)
			b.ReportAllocs()
			for b.Loop() {
				r := httptest.NewRequest(http.MethodGet, "/x", bytes.NewReader(nil))
				r.Header.Set("Traceparent", goodParent)
				h.ServeHTTP(httptest.NewRecorder(), r)
			}
		})
	}
}
