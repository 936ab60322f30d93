package addtransport_test

import (
	"context"
	"errors"
	"testing"

	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"golang.org/x/time/rate"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/examples/addsvc/pkg/addendpoint"
	"github.com/endpointkit/kit/examples/addsvc/pkg/addservice"
	"github.com/endpointkit/kit/examples/addsvc/pkg/addtransport"
	"github.com/endpointkit/kit/log"
	"github.com/endpointkit/kit/ratelimit"
	kitthrift "github.com/endpointkit/kit/transport/thrift"
)

// TestThriftLimitedServerSpan: a call refused by the server's limiter, sent
// as the declared exception Limited, is recorded on the Thrift server span
// but does not mark it as an error (it is an overload, as a 429 or
// RESOURCE_EXHAUSTED is on the other transports); the client gets the
// retryable Overloaded refusal. Before Limited classified itself, the
// server span was an error.
func TestThriftLimitedServerSpan(t *testing.T) {
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	set := addendpoint.New(addservice.New(), log.NewNopLogger()).Wrap(func(string) endpoint.Middleware {
		return ratelimit.NewErroringLimiter(rate.NewLimiter(0, 0))
	})
	addr := serveThrift(t, set, kitthrift.ConnSettings{}, addtransport.WithTracing(tp, nil))
	client, closer := addtransport.NewThriftClient(addr)
	defer closer.Close()
	_, err := client.Sum(context.Background(), 1, 2)
	if !errors.Is(err, ratelimit.ErrLimited) {
		t.Fatalf("Sum = %v, want the limiter's refusal", err)
	}
	if o := endpoint.Classify(context.Background(), nil, err); o.Kind != endpoint.Overloaded || !o.Retryable {
		t.Errorf("client: Classify = %v, want retryable overloaded", o)
	}
	var server sdktrace.ReadOnlySpan
	for _, s := range spans.Ended() {
		if s.SpanKind() == trace.SpanKindServer {
			server = s
		}
	}
	if server == nil {
		t.Fatal("no server span")
	}
	if server.Status().Code == codes.Error {
		t.Errorf("server span status %v: a refusal under load is not the server's error", server.Status())
	}
	var etype string
	for _, a := range server.Attributes() {
		if a.Key == "error.type" {
			etype = a.Value.AsString()
		}
	}
	if etype != "*addthrift.Limited" {
		t.Errorf("server span error.type %q, want *addthrift.Limited", etype)
	}
}
