package prometheus_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"google.golang.org/grpc"

	kitprom "github.com/endpointkit/kit/metrics/prometheus"
	kitgrpc "github.com/endpointkit/kit/transport/grpc"
	"github.com/endpointkit/kit/transport/http/handler"
)

// TestHTTPServerMetricsExposition serves a ServeMux behind handler.Metrics
// with NewHTTPServerMetrics' recorder and checks promhttp's exposition.
func TestHTTPServerMetricsExposition(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := kitprom.NewHTTPServerMetrics(reg, nil)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /items/{id}", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "item") }))
	srv := httptest.NewServer(handler.Metrics(m)(mux))
	defer srv.Close()
	for _, p := range []string{"/items/1", "/items/2", "/nope"} {
		resp, err := http.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	rec := httptest.NewRecorder()
	promhttp.HandlerFor(reg, promhttp.HandlerOpts{}).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body := rec.Body.String()
	for _, want := range []string{
		`http_requests_total{code="200",method="get",route="GET /items/{id}"} 2`,
		`http_requests_total{code="404",method="get",route="unmatched"} 1`,
		`http_request_duration_seconds_bucket{code="200",method="get",route="GET /items/{id}",le="0.005"}`,
		`http_request_duration_seconds_count{code="200",method="get",route="GET /items/{id}"} 2`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("exposition lacks %s:\n%s", want, body)
		}
	}
	// A second registration of the same names is refused with an error.
	if _, err := kitprom.NewHTTPServerMetrics(reg, nil); !errors.Is(err, kitprom.ErrRegistration) {
		t.Errorf("second NewHTTPServerMetrics on one registry: %v, want ErrRegistration", err)
	}
}

func TestGRPCAndEndpointMetricsRegister(t *testing.T) {
	reg := prometheus.NewRegistry()
	g, err := kitprom.NewGRPCServerMetrics(reg, []float64{0.1, 1})
	if err != nil {
		t.Fatal(err)
	}
	g.Observe("unary", "/pkg.Svc/Get", 5, 0)
	e, err := kitprom.NewEndpointMetrics(reg, nil)
	if err != nil || e == nil {
		t.Fatal(err)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, mf := range mfs {
		names[mf.GetName()] = true
		if mf.GetName() == "grpc_server_handled_total" {
			lbl := map[string]string{}
			for _, l := range mf.GetMetric()[0].GetLabel() {
				lbl[l.GetName()] = l.GetValue()
			}
			if lbl["grpc_code"] != "NotFound" || lbl["grpc_service"] != "pkg.Svc" || lbl["grpc_method"] != "Get" || lbl["grpc_type"] != "unary" {
				t.Errorf("grpc_server_handled_total labels %v", lbl)
			}
		}
		if mf.GetName() == "grpc_server_handling_seconds" {
			if n := len(mf.GetMetric()[0].GetHistogram().GetBucket()); n != 2 {
				t.Errorf("grpc_server_handling_seconds has %d buckets, want the 2 given", n)
			}
		}
	}
	for _, n := range []string{"grpc_server_handled_total", "grpc_server_handling_seconds"} {
		if !names[n] {
			t.Errorf("%s not gathered (have %v)", n, names)
		}
	}
}

// A net/http service gains promhttp-style request metrics, labelled by
// route, in one line; /metrics serves them.
func ExampleNewHTTPServerMetrics() {
	reg := prometheus.NewRegistry()
	m, err := kitprom.NewHTTPServerMetrics(reg, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	mux := http.NewServeMux()
	mux.Handle("GET /hello", handler.Metrics(m)(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "hello")
	})))
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/hello")
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	resp, err = http.Get(srv.URL + "/metrics")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(line, "http_requests_total") {
			fmt.Println(line)
		}
	}
	// Output: http_requests_total{code="200",method="get",route="GET /hello"} 1
}

// Endpoint metrics for a service built around Endpoints: one recorder,
// one Middleware per method, labelled by method and outcome. The five
// series of a method exist from the start, at zero, so that rate() and
// alerts see them before the first failure.
func ExampleNewEndpointMetrics() {
	reg := prometheus.NewRegistry()
	m, err := kitprom.NewEndpointMetrics(reg, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	sum := m.Middleware("sum")(func(context.Context, any) (any, error) { return 3, nil })
	_, _ = sum(context.Background(), nil)

	mfs, _ := reg.Gather()
	for _, mf := range mfs {
		if mf.GetName() == "endpoint_requests_total" {
			for _, mt := range mf.GetMetric() {
				fmt.Println(mf.GetName(), mt.GetLabel()[0].GetValue(), mt.GetLabel()[1].GetValue(), mt.GetCounter().GetValue())
			}
		}
	}
	// Output:
	// endpoint_requests_total sum business_error 0
	// endpoint_requests_total sum caller_error 0
	// endpoint_requests_total sum dependency_failure 0
	// endpoint_requests_total sum overloaded 0
	// endpoint_requests_total sum success 1
}

// A grpc-go service gains go-grpc-prometheus' metrics in one line.
func ExampleNewGRPCServerMetrics() {
	reg := prometheus.NewRegistry()
	m, err := kitprom.NewGRPCServerMetrics(reg, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	s := grpc.NewServer(
		grpc.ChainUnaryInterceptor(kitgrpc.UnaryServerInterceptor(kitgrpc.ServerMetrics(m))),
		grpc.ChainStreamInterceptor(kitgrpc.StreamServerInterceptor(kitgrpc.ServerMetrics(m))),
	)
	defer s.Stop()
	// Register the service and serve: every call is counted in
	// grpc_server_handled_total{grpc_type, grpc_service, grpc_method,
	// grpc_code} and timed in grpc_server_handling_seconds.
	fmt.Println(len(s.GetServiceInfo()))
	// Output: 0
}
