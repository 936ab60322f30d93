package otel_test

import (
	"context"
	"errors"
	"fmt"
	"net"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/endpointkit/kit/examples/addsvc/addthrift"
	"github.com/endpointkit/kit/loadbalancer"
	"github.com/endpointkit/kit/tracing/otel"
	kitthrift "github.com/endpointkit/kit/transport/thrift"
)

// A traced Thrift server and client over THeader: the client span's
// context travels in the request's headers, and the server span continues
// its trace.
func ExampleThriftServerTrace() {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	defer tp.Shutdown(context.Background())

	srv := kitthrift.NewConnServer(addthrift.NewAddProcessor(addThrift{kitthrift.NewServer(
		otel.TraceEndpoint(tp, "sum")(sum), passSum, encodeSumReply, otel.ThriftServerTrace(tp))}),
		kitthrift.ConnSettings{})
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	go srv.Serve(ln)
	defer srv.Shutdown(context.Background())

	client := kitthrift.NewClient(ln.Addr().String(), callSum, otel.ThriftClientTrace(tp, "Sum"))
	defer client.Close()
	resp, err := client.Endpoint()(context.Background(), sumRequest{A: 1, B: 2})
	fmt.Println(resp, err)
	for _, s := range rec.Ended() {
		fmt.Printf("%s (%s)\n", s.Name(), s.SpanKind())
	}
	// Output:
	// {3 } <nil>
	// sum (internal)
	// Sum (server)
	// Sum (client)
}

// Each attempt of a retry in a span of its own.
func ExampleRetryAttempts() {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	defer tp.Shutdown(context.Background())

	down := func(context.Context, any) (any, error) { return nil, errors.New("connection refused") }
	up := func(context.Context, any) (any, error) { return "ok", nil }
	call := loadbalancer.RetryWith(loadbalancer.NewRoundRobin(loadbalancer.FixedEndpointer{down, up}),
		loadbalancer.RetrySettings{Attempt: otel.RetryAttempts(tp)})
	call = otel.TraceEndpoint(tp, "call")(call)

	fmt.Println(call(context.Background(), nil))
	for _, s := range rec.Ended() {
		for _, a := range s.Attributes() {
			if a.Key == otel.AttemptKey || a.Key == otel.OutcomeKey {
				fmt.Printf("%s %s=%s\n", s.Name(), a.Key, a.Value.Emit())
			}
		}
	}
	// Output:
	// ok <nil>
	// attempt kit.retry.attempt=1
	// attempt kit.outcome=dependency_failure
	// attempt kit.retry.attempt=2
	// attempt kit.outcome=success
	// call kit.outcome=success
}
