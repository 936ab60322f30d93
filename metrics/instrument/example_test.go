package instrument_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/metrics/generic"
	"github.com/endpointkit/kit/metrics/instrument"
)

// Endpoint metrics for a service built around Endpoints: one recorder,
// one middleware per method. With Prometheus the recorder comes from
// kitprom.NewEndpointMetrics(reg, nil).
func ExampleEndpoints() {
	requests := generic.NewCounter("endpoint_requests_total")
	m := instrument.NewEndpoints(requests, generic.NewHistogram("endpoint_request_duration_seconds"), nil)
	sum := m.Middleware("sum")(func(_ context.Context, req any) (any, error) {
		if req == nil {
			return nil, endpoint.WithOutcome(errors.New("no operands"), endpoint.Outcome{Kind: endpoint.CallerError})
		}
		return 3, nil
	})
	_, _ = sum(context.Background(), []int{1, 2})
	_, _ = sum(context.Background(), nil)
	requests.Each(func(c *generic.Counter) {
		if c.Value() > 0 {
			fmt.Println(c.LabelValues(), c.Value())
		}
	})
	// Unordered output:
	// [method sum outcome success] 1
	// [method sum outcome caller_error] 1
}

// The recorders take any kit metrics backend; the names to give the
// instruments are the convention's.
func ExampleHTTPServerSpec() {
	for _, c := range []instrument.Convention{instrument.Prometheus, instrument.OpenTelemetry} {
		s := instrument.HTTPServerSpec(c)
		fmt.Printf("%s: %q %q %q\n", c, s.Requests, s.Duration, s.Labels)
	}
	// Output:
	// prometheus: "http_requests_total" "http_request_duration_seconds" ["method" "route" "code"]
	// opentelemetry: "" "http.server.request.duration" ["http.request.method" "http.route" "http.response.status_code"]
}

// Observe is what the transport forms call; anything else that serves
// requests may call it too.
func ExampleRPC_Observe() {
	handled := generic.NewCounter("grpc_server_handled_total")
	m := instrument.NewRPC(instrument.Prometheus, handled, nil)
	m.Observe("unary", "/shop.Cart/Add", 5, 2*time.Millisecond)
	handled.Each(func(c *generic.Counter) {
		if c.Value() > 0 {
			fmt.Println(c.LabelValues(), c.Value())
		}
	})
	// Output: [grpc_type unary grpc_service shop.Cart grpc_method Add grpc_code NotFound] 1
}
