package zipkin_test

import (
	"context"
	"fmt"
	"net"

	"github.com/openzipkin/zipkin-go"
	"github.com/openzipkin/zipkin-go/reporter/recorder"

	"github.com/endpointkit/kit/examples/addsvc/addthrift"
	kitzipkin "github.com/endpointkit/kit/tracing/zipkin"
	kitthrift "github.com/endpointkit/kit/transport/thrift"
)

// A traced Thrift server and client over THeader: B3 headers travel in the
// request's headers and the server span joins the client's trace.
func ExampleThriftServerTrace() {
	rec := recorder.NewReporter()
	tracer, _ := zipkin.NewTracer(rec, zipkin.WithSharedSpans(false))

	srv := kitthrift.NewConnServer(addthrift.NewAddProcessor(addThrift{kitthrift.NewServer(
		kitzipkin.TraceEndpoint(tracer, "sum")(sum), passSum, encodeSumReply, kitzipkin.ThriftServerTrace(tracer))}),
		kitthrift.ConnSettings{})
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	go srv.Serve(ln)
	defer srv.Shutdown(context.Background())

	client := kitthrift.NewClient(ln.Addr().String(), callSum, kitzipkin.ThriftClientTrace(tracer, "Sum"))
	defer client.Close()
	resp, err := client.Endpoint()(context.Background(), sumRequest{A: 1, B: 2})
	fmt.Println(resp, err)
	spans := rec.Flush()
	for _, s := range spans {
		fmt.Printf("%s (%s) same trace: %v\n", s.Name, s.Kind, s.TraceID == spans[0].TraceID)
	}
	// Output:
	// {3 } <nil>
	// sum () same trace: true
	// Sum (SERVER) same trace: true
	// Sum (CLIENT) same trace: true
}
