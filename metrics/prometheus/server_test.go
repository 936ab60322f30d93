package prometheus_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

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
	bin := testenv.LookPath(t, "prometheus")
	_, srv := instrumented(t)
	api := startPrometheus(t, bin, srv.Listener.Addr().String())

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
			got, err := queryUntil(api, tt.query, 20*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			if diff := got - tt.want; diff > 1e-9 || diff < -1e-9 {
				t.Errorf("query %s = %v, want %v", tt.query, got, tt.want)
			}
		})
	}
}

// startPrometheus starts the server on a free loopback port with a temp dir,
// scraping target every second, and returns its base URL once it is ready.
func startPrometheus(t *testing.T, bin, target string) string {
	t.Helper()
	dir := t.TempDir()
	cfg := fmt.Sprintf("global: {scrape_interval: 1s, scrape_timeout: 1s}\nscrape_configs:\n- job_name: kit\n  static_configs: [{targets: [%q]}]\n", target)
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	cmd := exec.Command(bin,
		"--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr,
		"--log.level=warn",
	)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("prometheus output:\n%s", logs.String())
		}
	})
	base := "http://" + addr
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get(base + "/-/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("prometheus not ready after 15s: %v", err)
		}
		time.Sleep(50 * time.Millisecond) // polling interval, not synchronisation
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// queryUntil polls an instant query until it returns one sample, for at most
// timeout: the first scrape becomes queryable only a few seconds after start.
func queryUntil(base, query string, timeout time.Duration) (float64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var last string
	for {
		v, ok, err := queryOnce(ctx, base, query)
		if ok {
			return v, nil
		}
		if err != nil {
			last = err.Error()
		}
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("query %s: no sample after %v (last: %s)", query, timeout, last)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func queryOnce(ctx context.Context, base, query string) (float64, bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/query?query="+url.QueryEscape(query), nil)
	if err != nil {
		return 0, false, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, false, err
	}
	defer resp.Body.Close()
	var r struct {
		Status string
		Error  string
		Data   struct {
			Result []struct {
				Value [2]any
			}
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return 0, false, err
	}
	if r.Status != "success" {
		return 0, false, fmt.Errorf("status %s: %s", r.Status, r.Error)
	}
	if len(r.Data.Result) != 1 {
		return 0, false, fmt.Errorf("%d results", len(r.Data.Result))
	}
	s, _ := r.Data.Result[0].Value[1].(string)
	v, err := strconv.ParseFloat(s, 64)
	return v, err == nil, err
}
