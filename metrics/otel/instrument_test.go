package otel_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	kitotel "github.com/endpointkit/kit/metrics/otel"
	"github.com/endpointkit/kit/transport/http/handler"
)

// TestSemconvMetrics records through the OpenTelemetry-convention
// recorders into a real SDK and reads the histograms back.
func TestSemconvMetrics(t *testing.T) {
	meter, r := sdk(t)
	h, err := kitotel.NewHTTPServerMetrics(meter)
	if err != nil {
		t.Fatal(err)
	}
	h.Observe("GET", "GET /items/{id}", 200, 30*time.Millisecond)
	g, err := kitotel.NewGRPCServerMetrics(meter)
	if err != nil {
		t.Fatal(err)
	}
	g.Observe("unary", "/pkg.Svc/Get", 4, time.Second)
	for _, c := range []struct {
		name string
		lvs  []string
		sum  float64
	}{
		{"http.server.request.duration", []string{"http.request.method", "GET", "http.route", "/items/{id}", "http.response.status_code", "200"}, 0.03},
		{"rpc.server.call.duration", []string{"rpc.system.name", "grpc", "rpc.method", "pkg.Svc/Get", "rpc.response.status_code", "DEADLINE_EXCEEDED"}, 1},
	} {
		data, err := collect(r, c.name)
		if err != nil {
			t.Fatal(err)
		}
		hist, ok := data.(metricdata.Histogram[float64])
		if !ok {
			t.Fatalf("%s: %T, want a float64 histogram", c.name, data)
		}
		want := attrs(c.lvs)
		found := false
		for _, dp := range hist.DataPoints {
			if dp.Attributes.Equals(&want) {
				found = true
				if dp.Count != 1 || dp.Sum != c.sum || len(dp.Bounds) != 14 {
					t.Errorf("%s: count %d sum %v bounds %v, want 1, %v, the 14 advised", c.name, dp.Count, dp.Sum, dp.Bounds, c.sum)
				}
			}
		}
		if !found {
			t.Errorf("%s: no data point with %v", c.name, c.lvs)
		}
	}
}

// The OpenTelemetry semantic-convention names, through a Meter: a net/http
// service records http.server.request.duration by route.
func ExampleNewHTTPServerMetrics() {
	reader := sdkmetric.NewManualReader()
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer func() { _ = provider.Shutdown(context.Background()) }()
	m, err := kitotel.NewHTTPServerMetrics(provider.Meter("shop"))
	if err != nil {
		fmt.Println(err)
		return
	}
	mux := http.NewServeMux()
	mux.Handle("GET /cart", handler.Metrics(m)(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})))
	mux.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/cart", nil))

	var rm metricdata.ResourceMetrics
	_ = reader.Collect(context.Background(), &rm)
	for _, sm := range rm.ScopeMetrics {
		for _, mt := range sm.Metrics {
			for _, dp := range mt.Data.(metricdata.Histogram[float64]).DataPoints {
				route, _ := dp.Attributes.Value("http.route")
				code, _ := dp.Attributes.Value("http.response.status_code")
				fmt.Println(mt.Name, mt.Unit, route.AsString(), code.AsString(), dp.Count)
			}
		}
	}
	// Output: http.server.request.duration s /cart 200 1
}
