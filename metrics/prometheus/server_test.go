package prometheus_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/endpointkit/kit/internal/promtest"
	"github.com/endpointkit/kit/internal/testenv"
	kitprom "github.com/endpointkit/kit/metrics/prometheus"
)

// instrumented records a known set of values into a fresh registry and
// serves its exposition; the tests below check it with the real tools.
func instrumented(t *testing.T) (*prometheus.Registry, *httptest.Server) {
	t.Helper()
	reg := prometheus.NewRegistry()
	requests, err := kitprom.NewCounterFrom(reg, prometheus.CounterOpts{
		Namespace: "kit", Name: "requests_total", Help: "Requests served.",
	}, []string{"method", "code"})
	if err != nil {
		t.Fatal(err)
	}
	inflight, err := kitprom.NewGaugeFrom(reg, prometheus.GaugeOpts{
		Namespace: "kit", Name: "in_flight", Help: "Requests in flight.",
	}, []string{"method"})
	if err != nil {
		t.Fatal(err)
	}
	latency, err := kitprom.NewHistogramFrom(reg, prometheus.HistogramOpts{
		Namespace: "kit", Name: "request_duration_seconds", Help: "Request latency.",
		Buckets: []float64{0.01, 0.1, 1},
	}, []string{"method"})
	if err != nil {
		t.Fatal(err)
	}
	summary, err := kitprom.NewSummaryFrom(reg, prometheus.SummaryOpts{
		Namespace: "kit", Name: "payload_bytes", Help: "Payload sizes.",
		Objectives: map[float64]float64{0.5: 0.01},
	}, []string{"method"})
	if err != nil {
		t.Fatal(err)
	}
	for range 7 {
		requests.With("method", "sum", "code", "200").Add(1)
	}
	requests.With("method", "concat").With("code", "500").Add(2.5)
	inflight.With("method", "sum").Set(3)
	inflight.With("method", "sum").Add(-1)
	for _, v := range []float64{0.005, 0.05, 0.05, 0.5} {
		latency.With("method", "sum").Observe(v)
		summary.With("method", "sum").Observe(v * 1000)
	}
	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	t.Cleanup(srv.Close)
	return reg, srv
}

func TestPromtoolAcceptsExposition(t *testing.T) {
	promtool := testenv.LookPath(t, "promtool")
	_, srv := instrumented(t)
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = bytes.NewReader(body)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("promtool check metrics: %v\n%s\nexposition:\n%s", err, out, body)
	}
}

// TestPrometheusScrapes runs the real Prometheus server, lets it scrape the
// test's /metrics and reads the values back through its query API.
func TestPrometheusScrapes(t *testing.T) {
	_, srv := instrumented(t)
	prom := promtest.Start(t, srv.Listener.Addr().String())

	tests := []struct {
		query string
		want  float64
	}{
		{`kit_requests_total{method="sum",code="200"}`, 7},
		{`kit_requests_total{method="concat",code="500"}`, 2.5},
		{`kit_in_flight{method="sum"}`, 2},
		{`kit_request_duration_seconds_count{method="sum"}`, 4},
		{`kit_request_duration_seconds_bucket{method="sum",le="0.1"}`, 3},
		{`kit_request_duration_seconds_sum{method="sum"}`, 0.605},
		{`kit_payload_bytes{method="sum",quantile="0.5"}`, 50},
		{`count(kit_requests_total)`, 2}, // no stray empty-labelled series
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			// The first scrape is queryable only a few seconds after start.
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			if err := prom.WaitFor(ctx, tt.query, tt.want); err != nil {
				t.Error(err)
			}
		})
	}
}
