package zipkin_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/endpointkit/kit/tracing/otel"
	kithttp "github.com/endpointkit/kit/transport/http"
)

// TestMixedFleet: an OpenTelemetry-traced client with otel.B3() calls a
// Zipkin-traced server (B3 multiple headers), and a Zipkin-traced client
// calls an OpenTelemetry-traced server with otel.B3(): each server joins
// the caller's trace.
func TestMixedFleet(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	defer tp.Shutdown(context.Background())
	tracer, zrec := memoryTracer(t)

	t.Run("otel client, zipkin server", func(t *testing.T) {
		u := sumServer(t, tracer)
		call := kithttp.NewClient(http.MethodPost, u, kithttp.EncodeJSONRequest,
			kithttp.DecodeJSONResponse[sumResponse], otel.HTTPClientTrace(tp, otel.B3())).Endpoint()
		if _, err := call(context.Background(), sumRequest{A: 1}); err != nil {
			t.Fatal(err)
		}
		client := rec.Ended()[0].SpanContext()
		server := serverSpan(t, zrec.Flush())
		if server.TraceID.String() != client.TraceID().String() || server.ParentID == nil || server.ParentID.String() != client.SpanID().String() {
			t.Errorf("zipkin server span trace %s parent %v, want trace %s parent %s",
				server.TraceID, server.ParentID, client.TraceID(), client.SpanID())
		}
	})
	t.Run("zipkin client, otel server", func(t *testing.T) {
		mux := http.NewServeMux()
		mux.Handle("POST /sum", kithttp.NewServer(sum, kithttp.DecodeJSONRequest[sumRequest],
			kithttp.EncodeJSONResponse, otel.HTTPServerTrace(tp, otel.B3())))
		u := serve(t, mux)
		_, err := sumClient(tracer, u)(context.Background(), sumRequest{A: 1})
		if err != nil {
			t.Fatal(err)
		}
		var client string
		for _, s := range zrec.Flush() {
			if s.Name == "POST" {
				// A 64-bit Zipkin trace id is the low half of a 128-bit one.
				client = fmt.Sprintf("%032s/%s", s.TraceID.String(), s.ID)
			}
		}
		var server string
		for _, s := range rec.Ended() {
			if s.Name() == "POST /sum" {
				server = s.Parent().TraceID().String() + "/" + s.Parent().SpanID().String()
			}
		}
		if client == "" || server != client {
			t.Errorf("otel server span's parent %q, want the zipkin client span %q", server, client)
		}
	})
}
