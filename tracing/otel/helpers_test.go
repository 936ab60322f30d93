package otel_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/internal/otelcoltest"
	"github.com/endpointkit/kit/tracing/otel"
	kithttp "github.com/endpointkit/kit/transport/http"
)

// collectorProvider returns an SDK TracerProvider for service that exports
// to col over OTLP/HTTP, sampling everything. It is shut down (flushing what
// it holds) when t ends; flush calls ForceFlush.
func collectorProvider(t *testing.T, col *otelcoltest.Collector, service string) *sdktrace.TracerProvider {
	t.Helper()
	exp, err := otlptracehttp.New(context.Background(),
		otlptracehttp.WithEndpoint(col.OTLPHTTP), otlptracehttp.WithInsecure())
	if err != nil {
		t.Fatal(err)
	}
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exp, sdktrace.WithBatchTimeout(50*time.Millisecond)),
		sdktrace.WithResource(resource.NewSchemaless(semconv.ServiceName(service))),
	)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := tp.Shutdown(ctx); err != nil {
			t.Errorf("TracerProvider.Shutdown: %v", err)
		}
	})
	return tp
}

func flush(t *testing.T, tps ...*sdktrace.TracerProvider) {
	t.Helper()
	for _, tp := range tps {
		if err := tp.ForceFlush(context.Background()); err != nil {
			t.Fatalf("ForceFlush: %v", err)
		}
	}
}

// memoryProvider returns an SDK TracerProvider that samples every span
// (whatever its parent says) and records ended spans in memory, for tests
// that look at one process's spans only.
func memoryProvider(t testing.TB) (*sdktrace.TracerProvider, *tracetest.SpanRecorder) {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec), sdktrace.WithSampler(sdktrace.AlwaysSample()))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	return tp, rec
}

// The service under test adds two numbers; magic operands fail in the ways
// kit's failure model tells apart.
type sumRequest struct{ A, B int }

type sumResponse struct {
	V   int    `json:"v"`
	Err string `json:"err,omitempty"`
}

// Failed makes a response with Err a business error (endpoint.Failer).
func (r sumResponse) Failed() error {
	if r.Err != "" {
		return errors.New(r.Err)
	}
	return nil
}

var errBackend = errors.New("backend down")

func sum(_ context.Context, req any) (any, error) {
	r := req.(sumRequest)
	switch {
	case r.A == -1:
		return sumResponse{Err: "negative operand"}, nil // business error
	case r.A == -2:
		return nil, errBackend // dependency failure: 500
	case r.A == -3:
		return nil, &kithttp.StatusError{Code: http.StatusTooManyRequests, Err: errors.New("slow down")}
	}
	return sumResponse{V: r.A + r.B}, nil
}

var _ endpoint.Failer = sumResponse{}

// sumServer serves sum at POST /sum, traced with tp, and returns its URL.
func sumServer(t *testing.T, tp *sdktrace.TracerProvider, opts ...otel.Option) *url.URL {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("POST /sum", kithttp.NewServer(
		otel.TraceEndpoint(tp, "Sum", opts...)(sum),
		kithttp.DecodeJSONRequest[sumRequest], kithttp.EncodeJSONResponse,
		otel.HTTPServerTrace(tp, opts...)))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL + "/sum")
	return u
}

func sumClient(tp *sdktrace.TracerProvider, u *url.URL, opts ...otel.Option) endpoint.Endpoint {
	c := kithttp.NewClient(http.MethodPost, u, kithttp.EncodeJSONRequest,
		kithttp.DecodeJSONResponse[sumResponse], otel.HTTPClientTrace(tp, opts...))
	return otel.TraceEndpoint(tp, "client.Sum", opts...)(c.Endpoint())
}

// wantAttrs fails t unless span has every attribute of want.
func wantAttrs(t *testing.T, s otelcoltest.Span, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got, ok := s.Attrs[k]; !ok || got != v {
			t.Errorf("span %q: attribute %s = %q (present %v), want %q", s.Name, k, got, ok, v)
		}
	}
}

func wantStatus(t *testing.T, s otelcoltest.Span, want otelcoltest.StatusCode) {
	t.Helper()
	if s.Status.Code != want {
		t.Errorf("span %q: status %v (%q), want %v", s.Name, s.Status.Code, s.Status.Message, want)
	}
}

func wantParent(t *testing.T, child, parent otelcoltest.Span) {
	t.Helper()
	if child.TraceID != parent.TraceID || child.ParentSpanID != parent.SpanID {
		t.Errorf("span %q: trace %s parent %s, want trace %s parent %s (%q)",
			child.Name, child.TraceID, child.ParentSpanID, parent.TraceID, parent.SpanID, parent.Name)
	}
}

// byName indexes spans by name; tests that use it give each span a name of
// its own.
func byName(spans []sdktrace.ReadOnlySpan) map[string]sdktrace.ReadOnlySpan {
	m := make(map[string]sdktrace.ReadOnlySpan, len(spans))
	for _, s := range spans {
		m[s.Name()] = s
	}
	return m
}
