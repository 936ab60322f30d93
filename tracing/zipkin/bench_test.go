package zipkin_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/openzipkin/zipkin-go"
	"github.com/openzipkin/zipkin-go/reporter"

	kitzipkin "github.com/endpointkit/kit/tracing/zipkin"
)

func benchTracer(b *testing.B, sampled bool) *zipkin.Tracer {
	sampler := zipkin.NeverSample
	if sampled {
		sampler = zipkin.AlwaysSample
	}
	tracer, err := zipkin.NewTracer(reporter.NewNoopReporter(), zipkin.WithSampler(sampler))
	if err != nil {
		b.Fatal(err)
	}
	return tracer
}

func BenchmarkTraceEndpoint(b *testing.B) {
	for _, c := range []struct {
		name   string
		tracer func(*testing.B) *zipkin.Tracer
	}{
		{"tracer=nil", func(*testing.B) *zipkin.Tracer { return nil }},
		{"sampled=no", func(b *testing.B) *zipkin.Tracer { return benchTracer(b, false) }},
		{"sampled=yes", func(b *testing.B) *zipkin.Tracer { return benchTracer(b, true) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			ep := kitzipkin.TraceEndpoint(c.tracer(b), "x")(nop)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				_, _ = ep(ctx, nil)
			}
		})
	}
}

func BenchmarkHTTPServerTrace(b *testing.B) {
	h := tracedHandler(benchTracer(b, true))
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest(http.MethodGet, "/x", nil)
		r.Header.Set("B3", goodTraceID+"-"+goodSpanID+"-1")
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
}
