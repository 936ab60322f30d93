package benchmarks

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	gokitzipkin "github.com/go-kit/kit/tracing/zipkin"
	"github.com/openzipkin/zipkin-go"
	zipkinhttp "github.com/openzipkin/zipkin-go/middleware/http"
	zipkinreporter "github.com/openzipkin/zipkin-go/reporter"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/tracing/otel"
	kitzipkin "github.com/endpointkit/kit/tracing/zipkin"
	kithttp "github.com/endpointkit/kit/transport/http"
)

// The tracing workload: one endpoint call, or one HTTP request served in
// process (httptest.NewRecorder, no sockets, so that the tracing overhead is
// not lost in loopback noise). Spans go to a batch processor whose exporter
// discards them, as a real exporter's cost is the same for every
// contestant.

// stuckExporter never returns from an export until shut down: a collector
// that stopped answering.
type stuckExporter struct{ done chan struct{} }

func (e stuckExporter) ExportSpans(ctx context.Context, _ []sdktrace.ReadOnlySpan) error {
	select {
	case <-e.done:
	case <-ctx.Done():
	}
	return nil
}

func (stuckExporter) Shutdown(context.Context) error { return nil }

// stuckProvider samples everything into a batch processor whose exporter
// is stuck: its queue fills and the processor drops spans.
func stuckProvider(b *testing.B) *sdktrace.TracerProvider {
	exp := stuckExporter{done: make(chan struct{})}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp))
	b.Cleanup(func() { close(exp.done); _ = tp.Shutdown(context.Background()) })
	return tp
}

type discardExporter struct{}

func (discardExporter) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (discardExporter) Shutdown(context.Context) error                             { return nil }

func otelProvider(b testing.TB, sampled bool) *sdktrace.TracerProvider {
	sampler := sdktrace.NeverSample()
	if sampled {
		sampler = sdktrace.AlwaysSample()
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sampler),
		sdktrace.WithBatcher(discardExporter{}))
	b.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	return tp
}

func zipkinTracer(b testing.TB, sampled bool) *zipkin.Tracer {
	sampler := zipkin.NeverSample
	if sampled {
		sampler = zipkin.AlwaysSample
	}
	tracer, err := zipkin.NewTracer(zipkinreporter.NewNoopReporter(), zipkin.WithSampler(sampler))
	if err != nil {
		b.Fatal(err)
	}
	return tracer
}

func nopEndpoint(context.Context, any) (any, error) { return nil, nil }

// handOtel is the OpenTelemetry SDK's floor: Start and End written by hand,
// with the one attribute TraceEndpoint sets on a recording span.
func handOtel(tp trace.TracerProvider) endpoint.Endpoint {
	tracer := tp.Tracer("hand")
	return func(ctx context.Context, req any) (any, error) {
		ctx, span := tracer.Start(ctx, "Sum")
		resp, err := nopEndpoint(ctx, req)
		if span.IsRecording() {
			span.SetAttributes(otel.OutcomeKey.String("success"))
		}
		span.End()
		return resp, err
	}
}

func handZipkin(tracer *zipkin.Tracer) endpoint.Endpoint {
	return func(ctx context.Context, req any) (any, error) {
		span, ctx := tracer.StartSpanFromContext(ctx, "Sum")
		resp, err := nopEndpoint(ctx, req)
		span.Tag(kitzipkin.TagOutcome, "success")
		span.Finish()
		return resp, err
	}
}

func BenchmarkTraceEndpoint(b *testing.B) {
	var nilTP *sdktrace.TracerProvider
	for _, c := range []struct {
		name string
		ep   func(b *testing.B) endpoint.Endpoint
	}{
		{"impl=none", func(*testing.B) endpoint.Endpoint { return nopEndpoint }},
		{"impl=kit-otel-nil-provider", func(*testing.B) endpoint.Endpoint { return otel.TraceEndpoint(nilTP, "Sum")(nopEndpoint) }},
		{"impl=hand-otel/sampled=no", func(b *testing.B) endpoint.Endpoint { return handOtel(otelProvider(b, false)) }},
		{"impl=kit-otel/sampled=no", func(b *testing.B) endpoint.Endpoint {
			return otel.TraceEndpoint(otelProvider(b, false), "Sum")(nopEndpoint)
		}},
		{"impl=hand-otel/sampled=yes", func(b *testing.B) endpoint.Endpoint { return handOtel(otelProvider(b, true)) }},
		{"impl=kit-otel/sampled=yes", func(b *testing.B) endpoint.Endpoint {
			return otel.TraceEndpoint(otelProvider(b, true), "Sum")(nopEndpoint)
		}},
		{"impl=hand-zipkin/sampled=yes", func(b *testing.B) endpoint.Endpoint { return handZipkin(zipkinTracer(b, true)) }},
		{"impl=kit-zipkin/sampled=yes", func(b *testing.B) endpoint.Endpoint {
			return kitzipkin.TraceEndpoint(zipkinTracer(b, true), "Sum")(nopEndpoint)
		}},
		{"impl=gokit-zipkin/sampled=yes", func(b *testing.B) endpoint.Endpoint {
			return endpoint.Endpoint(gokitzipkin.TraceEndpoint(zipkinTracer(b, true), "Sum")(
				func(ctx context.Context, req any) (any, error) { return nopEndpoint(ctx, req) }))
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			ep := c.ep(b)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				_, _ = ep(ctx, nil)
			}
		})
	}
}

// tracedSumServer is kit's HTTP sum server, traced with tp (nil: untraced).
func tracedSumServer(tp trace.TracerProvider) http.Handler {
	var opts []kithttp.ServerOption
	ep := endpoint.Endpoint(sumEndpoint)
	if tp != nil {
		opts = append(opts, otel.HTTPServerTrace(tp))
		ep = otel.TraceEndpoint(tp, "Sum")(ep)
	}
	mux := http.NewServeMux()
	mux.Handle("POST /sum", kithttp.NewServer(ep, kithttp.DecodeJSONRequest[sumReq], kithttp.EncodeJSONResponse, opts...))
	return mux
}

func sumEndpoint(_ context.Context, req any) (any, error) {
	r := req.(sumReq)
	return sumResp{V: r.A + r.B}, nil
}

// otelhttpSumServer is the same server as users of otelhttp would trace
// it: the kit server untraced, wrapped in otelhttp.NewHandler.
func otelhttpSumServer(tp trace.TracerProvider) http.Handler {
	return otelhttp.NewHandler(tracedSumServer(nil), "sum", otelhttp.WithTracerProvider(tp))
}

// BenchmarkHTTPServerTracing serves the sum RPC in process, untraced, with
// kit's hooks (server span + endpoint span) and with otelhttp (server span
// only), sampled out and sampled.
func BenchmarkHTTPServerTracing(b *testing.B) {
	body := []byte(`{"a":1,"b":2}`)
	for _, c := range []struct {
		name string
		h    func(b *testing.B) http.Handler
	}{
		{"impl=untraced", func(*testing.B) http.Handler { return tracedSumServer(nil) }},
		{"impl=kit-otel/sampled=no", func(b *testing.B) http.Handler { return tracedSumServer(otelProvider(b, false)) }},
		{"impl=otelhttp/sampled=no", func(b *testing.B) http.Handler { return otelhttpSumServer(otelProvider(b, false)) }},
		{"impl=kit-otel/sampled=yes", func(b *testing.B) http.Handler { return tracedSumServer(otelProvider(b, true)) }},
		{"impl=otelhttp/sampled=yes", func(b *testing.B) http.Handler { return otelhttpSumServer(otelProvider(b, true)) }},
		{"impl=kit-otel/sampled=yes/exporter=stuck", func(b *testing.B) http.Handler { return tracedSumServer(stuckProvider(b)) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			h := c.h(b)
			b.ReportAllocs()
			for b.Loop() {
				r := httptest.NewRequest(http.MethodPost, "/sum", bytes.NewReader(body))
				r.Header.Set("Content-Type", "application/json")
				r.Header.Set("Traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != http.StatusOK {
					b.Fatalf("status %d: %s", w.Code, w.Body)
				}
			}
		})
	}
}

// TestTracedServersAgree checks that every traced server answers the sum.
func TestTracedServersAgree(t *testing.T) {
	tp := sdktrace.NewTracerProvider()
	defer tp.Shutdown(context.Background())
	for name, h := range map[string]http.Handler{
		"kit-otel": tracedSumServer(tp), "otelhttp": otelhttpSumServer(tp), "untraced": tracedSumServer(nil),
	} {
		r := httptest.NewRequest(http.MethodPost, "/sum", bytes.NewReader([]byte(`{"a":1,"b":2}`)))
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK || !bytes.Contains(w.Body.Bytes(), []byte("3")) {
			t.Errorf("%s: %d %s, want 200 and 3", name, w.Code, w.Body)
		}
	}
}

// tracedHTTP is kit's sum over loopback with both sides traced with one
// provider: the client's endpoint span and client span, the server span and
// the server's endpoint span (nil: untraced, kit's contestant as in
// BenchmarkHTTPSum).
func tracedHTTP(tp trace.TracerProvider) httpContestant {
	srv := httptest.NewServer(tracedSumServer(tp))
	u, _ := url.Parse(srv.URL + "/sum")
	opts := []kithttp.ClientOption{kithttp.SetClient(newTransport())}
	var mw endpoint.Middleware = func(e endpoint.Endpoint) endpoint.Endpoint { return e }
	if tp != nil {
		opts = append(opts, otel.HTTPClientTrace(tp))
		mw = otel.TraceEndpoint(tp, "client.Sum")
	}
	call := endpoint.ToFunc[sumReq, sumResp](mw(kithttp.NewClient(http.MethodPost, u,
		kithttp.EncodeJSONRequest, kithttp.DecodeJSONResponse[sumResp], opts...).Endpoint()))
	return httpContestant{srv, func(ctx context.Context, a, b int) (int, error) {
		resp, err := call(ctx, sumReq{a, b})
		return resp.V, err
	}}
}

// handOtelHTTP is the floor of what tracedHTTP does: the same four spans
// (client endpoint, client, server, server endpoint) and the same W3C trace
// context and baggage propagation, written by hand with the SDK around the
// untraced kit client and server, without attributes on unrecorded spans.
func handOtelHTTP(tp trace.TracerProvider) httpContestant {
	tracer := tp.Tracer("hand")
	prop := propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})
	untraced := tracedSumServer(nil)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := prop.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
		ctx, span := tracer.Start(ctx, "POST /sum", trace.WithSpanKind(trace.SpanKindServer))
		ctx, ep := tracer.Start(ctx, "Sum")
		untraced.ServeHTTP(w, r.WithContext(ctx))
		ep.End()
		span.End()
	}))
	u, _ := url.Parse(srv.URL + "/sum")
	inject := kithttp.ClientBefore(func(ctx context.Context, r *http.Request) context.Context {
		prop.Inject(ctx, propagation.HeaderCarrier(r.Header))
		return ctx
	})
	call := endpoint.ToFunc[sumReq, sumResp](kithttp.NewClient(http.MethodPost, u,
		kithttp.EncodeJSONRequest, kithttp.DecodeJSONResponse[sumResp], kithttp.SetClient(newTransport()), inject).Endpoint())
	return httpContestant{srv, func(ctx context.Context, a, b int) (int, error) {
		ctx, ep := tracer.Start(ctx, "client.Sum")
		ctx, span := tracer.Start(ctx, "POST", trace.WithSpanKind(trace.SpanKindClient))
		resp, err := call(ctx, sumReq{a, b})
		span.End()
		ep.End()
		return resp.V, err
	}}
}

// otelhttpHTTP is the same sum as otelhttp's users trace it: otelhttp's
// handler around the untraced kit server, otelhttp's transport under the
// untraced kit client.
func otelhttpHTTP(tp trace.TracerProvider) httpContestant {
	srv := httptest.NewServer(otelhttpSumServer(tp))
	u, _ := url.Parse(srv.URL + "/sum")
	client := &http.Client{Transport: otelhttp.NewTransport(
		&http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256}, otelhttp.WithTracerProvider(tp))}
	call := endpoint.ToFunc[sumReq, sumResp](kithttp.NewClient(http.MethodPost, u,
		kithttp.EncodeJSONRequest, kithttp.DecodeJSONResponse[sumResp], kithttp.SetClient(client)).Endpoint())
	return httpContestant{srv, func(ctx context.Context, a, b int) (int, error) {
		resp, err := call(ctx, sumReq{a, b})
		return resp.V, err
	}}
}

// BenchmarkHTTPSumTraced is BenchmarkHTTPSum's kit contestant untraced and
// traced (sampled out and sampled, spans to a batch processor that
// discards them), beside otelhttp.
func BenchmarkHTTPSumTraced(b *testing.B) {
	for _, clients := range []int{1, 64} {
		for _, c := range []struct {
			name string
			new  func(b *testing.B) httpContestant
		}{
			{"impl=untraced", func(*testing.B) httpContestant { return tracedHTTP(nil) }},
			{"impl=hand-otel/sampled=no", func(b *testing.B) httpContestant { return handOtelHTTP(otelProvider(b, false)) }},
			{"impl=kit-otel/sampled=no", func(b *testing.B) httpContestant { return tracedHTTP(otelProvider(b, false)) }},
			{"impl=otelhttp/sampled=no", func(b *testing.B) httpContestant { return otelhttpHTTP(otelProvider(b, false)) }},
			{"impl=hand-otel/sampled=yes", func(b *testing.B) httpContestant { return handOtelHTTP(otelProvider(b, true)) }},
			{"impl=kit-otel/sampled=yes", func(b *testing.B) httpContestant { return tracedHTTP(otelProvider(b, true)) }},
			{"impl=otelhttp/sampled=yes", func(b *testing.B) httpContestant { return otelhttpHTTP(otelProvider(b, true)) }},
		} {
			b.Run(fmt.Sprintf("clients=%d/%s", clients, c.name), func(b *testing.B) {
				hc := c.new(b)
				defer hc.srv.Close()
				ctx := context.Background()
				runLoad(b, clients, func() error {
					v, err := hc.call(ctx, 1, 2)
					if err == nil && v != 3 {
						err = fmt.Errorf("sum = %d, want 3", v)
					}
					return err
				})
			})
		}
	}
}

// TestTracedContestantsAgree checks the loopback contestants' sums.
func TestTracedContestantsAgree(t *testing.T) {
	tp := sdktrace.NewTracerProvider()
	defer tp.Shutdown(context.Background())
	for name, hc := range map[string]httpContestant{
		"untraced": tracedHTTP(nil), "kit-otel": tracedHTTP(tp), "otelhttp": otelhttpHTTP(tp), "hand-otel": handOtelHTTP(tp),
	} {
		v, err := hc.call(context.Background(), 20, 22)
		hc.srv.Close()
		if v != 42 || err != nil {
			t.Errorf("%s: sum(20, 22) = %d, %v; want 42", name, v, err)
		}
	}
}

// zipkinKitHTTP is the loopback sum traced with kit's zipkin hooks on both
// sides: a client span and a server span with B3 headers between them and,
// with endpointSpans, an endpoint span on each side.
func zipkinKitHTTP(tracer *zipkin.Tracer, endpointSpans bool) httpContestant {
	nop := func(e endpoint.Endpoint) endpoint.Endpoint { return e }
	serverMW, clientMW := endpoint.Middleware(nop), endpoint.Middleware(nop)
	if endpointSpans {
		serverMW, clientMW = kitzipkin.TraceEndpoint(tracer, "Sum"), kitzipkin.TraceEndpoint(tracer, "client.Sum")
	}
	mux := http.NewServeMux()
	mux.Handle("POST /sum", kithttp.NewServer(serverMW(sumEndpoint),
		kithttp.DecodeJSONRequest[sumReq], kithttp.EncodeJSONResponse, kitzipkin.HTTPServerTrace(tracer)))
	srv := httptest.NewServer(mux)
	u, _ := url.Parse(srv.URL + "/sum")
	call := endpoint.ToFunc[sumReq, sumResp](clientMW(kithttp.NewClient(http.MethodPost, u,
		kithttp.EncodeJSONRequest, kithttp.DecodeJSONResponse[sumResp], kithttp.SetClient(newTransport()),
		kitzipkin.HTTPClientTrace(tracer)).Endpoint()))
	return httpContestant{srv, func(ctx context.Context, a, b int) (int, error) {
		resp, err := call(ctx, sumReq{a, b})
		return resp.V, err
	}}
}

// zipkinMiddlewareHTTP is the same sum as zipkin-go's users trace it:
// zipkin-go's server middleware round the untraced kit server and its
// transport under the untraced kit client (a server span and a client
// span).
func zipkinMiddlewareHTTP(b *testing.B, tracer *zipkin.Tracer) httpContestant {
	srv := httptest.NewServer(zipkinhttp.NewServerMiddleware(tracer)(tracedSumServer(nil)))
	u, _ := url.Parse(srv.URL + "/sum")
	rt, err := zipkinhttp.NewTransport(tracer, zipkinhttp.RoundTripper(&http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256}))
	if err != nil {
		b.Fatal(err)
	}
	call := endpoint.ToFunc[sumReq, sumResp](kithttp.NewClient(http.MethodPost, u,
		kithttp.EncodeJSONRequest, kithttp.DecodeJSONResponse[sumResp], kithttp.SetClient(&http.Client{Transport: rt})).Endpoint())
	return httpContestant{srv, func(ctx context.Context, a, b int) (int, error) {
		resp, err := call(ctx, sumReq{a, b})
		return resp.V, err
	}}
}

// BenchmarkHTTPSumZipkin is the loopback sum traced with zipkin-go (spans
// to a no-op reporter): kit's hooks (four spans) beside zipkin-go's own
// HTTP middleware and transport (two spans), sampled out and sampled;
// spans=2 is kit's transport hooks alone, the same two spans.
func BenchmarkHTTPSumZipkin(b *testing.B) {
	for _, c := range []struct {
		name string
		new  func(b *testing.B) httpContestant
	}{
		{"impl=untraced", func(*testing.B) httpContestant { return tracedHTTP(nil) }},
		{"impl=kit-zipkin/sampled=no", func(b *testing.B) httpContestant { return zipkinKitHTTP(zipkinTracer(b, false), true) }},
		{"impl=kit-zipkin/spans=2/sampled=no", func(b *testing.B) httpContestant { return zipkinKitHTTP(zipkinTracer(b, false), false) }},
		{"impl=zipkin-go/sampled=no", func(b *testing.B) httpContestant { return zipkinMiddlewareHTTP(b, zipkinTracer(b, false)) }},
		{"impl=kit-zipkin/sampled=yes", func(b *testing.B) httpContestant { return zipkinKitHTTP(zipkinTracer(b, true), true) }},
		{"impl=kit-zipkin/spans=2/sampled=yes", func(b *testing.B) httpContestant { return zipkinKitHTTP(zipkinTracer(b, true), false) }},
		{"impl=zipkin-go/sampled=yes", func(b *testing.B) httpContestant { return zipkinMiddlewareHTTP(b, zipkinTracer(b, true)) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			hc := c.new(b)
			defer hc.srv.Close()
			ctx := context.Background()
			runLoad(b, 1, func() error {
				v, err := hc.call(ctx, 1, 2)
				if err == nil && v != 3 {
					err = fmt.Errorf("sum = %d, want 3", v)
				}
				return err
			})
		})
	}
}
