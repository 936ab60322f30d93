package zipkin_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"

	"github.com/openzipkin/zipkin-go"
	"github.com/openzipkin/zipkin-go/reporter/recorder"

	kitzipkin "github.com/endpointkit/kit/tracing/zipkin"
	kithttp "github.com/endpointkit/kit/transport/http"
)

// A traced HTTP server and client. (A real program reports to Zipkin with
// zipkin-go's reporter/http.)
func Example() {
	rec := recorder.NewReporter()
	tracer, _ := zipkin.NewTracer(rec, zipkin.WithSharedSpans(false))

	mux := http.NewServeMux()
	mux.Handle("POST /sum", kithttp.NewServer(
		kitzipkin.TraceEndpoint(tracer, "Sum")(sum),
		kithttp.DecodeJSONRequest[sumRequest], kithttp.EncodeJSONResponse,
		kitzipkin.HTTPServerTrace(tracer)))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	u, _ := url.Parse(srv.URL + "/sum")
	client := kithttp.NewClient("POST", u, kithttp.EncodeJSONRequest,
		kithttp.DecodeJSONResponse[sumResponse], kitzipkin.HTTPClientTrace(tracer))
	call := kitzipkin.TraceEndpoint(tracer, "client.Sum")(client.Endpoint())

	resp, err := call(context.Background(), sumRequest{A: 1, B: 2})
	fmt.Println(resp, err)
	for _, s := range rec.Flush() { // in the order they finished
		fmt.Printf("%s (%s)\n", s.Name, s.Kind)
	}
	// Output:
	// {3 } <nil>
	// Sum ()
	// POST /sum (SERVER)
	// POST (CLIENT)
	// client.Sum ()
}
