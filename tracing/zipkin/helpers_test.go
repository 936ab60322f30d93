package zipkin_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/openzipkin/zipkin-go"
	"github.com/openzipkin/zipkin-go/model"
	"github.com/openzipkin/zipkin-go/reporter"
	reporterhttp "github.com/openzipkin/zipkin-go/reporter/http"
	"github.com/openzipkin/zipkin-go/reporter/recorder"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/internal/otelcoltest"
	kitzipkin "github.com/endpointkit/kit/tracing/zipkin"
	kithttp "github.com/endpointkit/kit/transport/http"
)

// collectorTracer returns a tracer for service reporting to col's Zipkin
// receiver with zipkin-go's HTTP reporter, sampling everything, and a
// flush function that closes the reporter (sending what it holds). Server
// spans get ids of their own (WithSharedSpans(false)) unless shared.
func collectorTracer(t *testing.T, col *otelcoltest.Collector, service string, shared bool) (*zipkin.Tracer, func()) {
	t.Helper()
	rep := reporterhttp.NewReporter(col.ZipkinURL, reporterhttp.BatchInterval(50*time.Millisecond))
	return newTracer(t, rep, service, shared)
}

func newTracer(t *testing.T, rep reporter.Reporter, service string, shared bool) (*zipkin.Tracer, func()) {
	t.Helper()
	ep, err := zipkin.NewEndpoint(service, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tracer, err := zipkin.NewTracer(rep, zipkin.WithLocalEndpoint(ep), zipkin.WithSharedSpans(shared),
		zipkin.WithTraceID128Bit(true))
	if err != nil {
		t.Fatal(err)
	}
	var closed bool
	flush := func() {
		if !closed {
			closed = true
			if err := rep.Close(); err != nil {
				t.Errorf("reporter Close: %v", err)
			}
		}
	}
	t.Cleanup(flush)
	return tracer, flush
}

// memoryTracer records spans in memory.
func memoryTracer(t *testing.T, opts ...zipkin.TracerOption) (*zipkin.Tracer, *recorder.ReporterRecorder) {
	t.Helper()
	rec := recorder.NewReporter()
	tracer, err := zipkin.NewTracer(rec, append([]zipkin.TracerOption{zipkin.WithSharedSpans(false)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return tracer, rec
}

func serverSpan(t *testing.T, spans []model.SpanModel) model.SpanModel {
	t.Helper()
	for _, s := range spans {
		if s.Kind == model.Server {
			return s
		}
	}
	t.Fatalf("no server span among %d", len(spans))
	return model.SpanModel{}
}

type sumRequest struct{ A, B int }

type sumResponse struct {
	V   int    `json:"v"`
	Err string `json:"err,omitempty"`
}

func (r sumResponse) Failed() error {
	if r.Err != "" {
		return errors.New(r.Err)
	}
	return nil
}

var _ endpoint.Failer = sumResponse{}

func sum(_ context.Context, req any) (any, error) {
	r := req.(sumRequest)
	switch r.A {
	case -1:
		return sumResponse{Err: "negative operand"}, nil
	case -2:
		return nil, errors.New("backend down")
	}
	return sumResponse{V: r.A + r.B}, nil
}

func sumServer(t *testing.T, tracer *zipkin.Tracer, opts ...kitzipkin.TracerOption) *url.URL {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("POST /sum", kithttp.NewServer(kitzipkin.TraceEndpoint(tracer, "Sum", opts...)(sum),
		kithttp.DecodeJSONRequest[sumRequest], kithttp.EncodeJSONResponse,
		kitzipkin.HTTPServerTrace(tracer, opts...)))
	return serve(t, mux)
}

// serve serves mux on loopback until t ends and returns the URL of /sum.
func serve(t *testing.T, mux *http.ServeMux) *url.URL {
	t.Helper()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL + "/sum")
	return u
}

func sumClient(tracer *zipkin.Tracer, u *url.URL, opts ...kitzipkin.TracerOption) endpoint.Endpoint {
	c := kithttp.NewClient(http.MethodPost, u, kithttp.EncodeJSONRequest,
		kithttp.DecodeJSONResponse[sumResponse], kitzipkin.HTTPClientTrace(tracer, opts...))
	return kitzipkin.TraceEndpoint(tracer, "client.Sum", opts...)(c.Endpoint())
}

func wantAttrs(t *testing.T, s otelcoltest.Span, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got, ok := s.Attrs[k]; !ok || got != v {
			t.Errorf("span %q: attribute %s = %q (present %v), want %q", s.Name, k, got, ok, v)
		}
	}
}

func wantParent(t *testing.T, child, parent otelcoltest.Span) {
	t.Helper()
	if child.TraceID != parent.TraceID || child.ParentSpanID != parent.SpanID {
		t.Errorf("span %q: trace %s parent %s, want trace %s parent %s (%q)",
			child.Name, child.TraceID, child.ParentSpanID, parent.TraceID, parent.SpanID, parent.Name)
	}
}

func wantStatus(t *testing.T, s otelcoltest.Span, want otelcoltest.StatusCode) {
	t.Helper()
	if s.Status.Code != want {
		t.Errorf("span %q: status %v (%q), want %v; attrs %v", s.Name, s.Status.Code, s.Status.Message, want, s.Attrs)
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
