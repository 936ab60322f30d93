package otel_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/endpointkit/kit/log"
	"github.com/endpointkit/kit/tracing/otel"
	kithttp "github.com/endpointkit/kit/transport/http"
)

// A traced HTTP server and client: one call makes four spans in one trace.
// (A real program builds its TracerProvider with an OTLP exporter.)
func Example() {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	defer tp.Shutdown(context.Background())

	mux := http.NewServeMux()
	mux.Handle("POST /sum", kithttp.NewServer(
		otel.TraceEndpoint(tp, "Sum")(sum),
		kithttp.DecodeJSONRequest[sumRequest], kithttp.EncodeJSONResponse,
		otel.HTTPServerTrace(tp)))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	u, _ := url.Parse(srv.URL + "/sum")
	client := kithttp.NewClient("POST", u, kithttp.EncodeJSONRequest,
		kithttp.DecodeJSONResponse[sumResponse], otel.HTTPClientTrace(tp))
	call := otel.TraceEndpoint(tp, "client.Sum")(client.Endpoint())

	resp, err := call(context.Background(), sumRequest{A: 1, B: 2})
	fmt.Println(resp, err)
	for _, s := range rec.Ended() { // in the order they ended
		fmt.Printf("%s (%s)\n", s.Name(), s.SpanKind())
	}
	// Output:
	// {3 } <nil>
	// Sum (internal)
	// POST /sum (server)
	// POST (client)
	// client.Sum (internal)
}

// Tracing switched off: a nil TracerProvider leaves the endpoint as it was.
func ExampleTraceEndpoint_off() {
	var tp *sdktrace.TracerProvider // nil: the program was given no exporter
	ep := otel.TraceEndpoint(tp, "Sum")(sum)
	resp, _ := ep(context.Background(), sumRequest{A: 2, B: 2})
	fmt.Println(resp)
	// Output: {4 }
}

// A request's log lines carry its trace and span ids.
func ExampleContextLogger() {
	tp := sdktrace.NewTracerProvider()
	defer tp.Shutdown(context.Background())
	ctx, span := tp.Tracer("example").Start(context.Background(), "op")
	defer span.End()

	var buf strings.Builder
	logger := otel.ContextLogger(ctx, log.NewLogfmtLogger(&buf))
	_ = logger.Log("msg", "charged")
	line := buf.String()
	fmt.Println(strings.Contains(line, "trace_id="+span.SpanContext().TraceID().String()))
	fmt.Println(strings.Contains(line, "span_id="+span.SpanContext().SpanID().String()))
	// Output:
	// true
	// true
}
