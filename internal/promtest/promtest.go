// Package promtest runs the real Prometheus server for kit's tests: it
// starts the prometheus binary on a free loopback port with a temp dir,
// scraping the given targets every second, stops it when the test ends,
// and reads values back through its query API.
//
//	prom := promtest.Start(t, srv.Listener.Addr().String())
//	if err := prom.WaitFor(ctx, `http_requests_total{code="200"}`, 3); err != nil {
//		t.Fatal(err)
//	}
//
// The binary is found on PATH with internal/testenv: under the test command
// (KIT_INTEGRATION=1) a missing prometheus fails the test, otherwise it
// skips it. A Server is safe for concurrent use.
package promtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/endpointkit/kit/internal/testenv"
)

// Server is a running Prometheus server.
type Server struct {
	// URL is the server's base URL, http://127.0.0.1:port.
	URL string
}

// Start starts Prometheus scraping targets (host:port, path /metrics) every
// second and returns once it is ready; it fails t when it is not ready
// within 15 seconds. The server is killed when t's test ends, and its output
// is logged if the test failed.
func Start(t testing.TB, targets ...string) *Server {
	t.Helper()
	bin := testenv.LookPath(t, "prometheus")
	dir := t.TempDir()
	quoted := make([]string, len(targets))
	for i, target := range targets {
		quoted[i] = strconv.Quote(target)
	}
	cfg := fmt.Sprintf("global: {scrape_interval: 1s, scrape_timeout: 1s}\nscrape_configs:\n- job_name: kit\n  static_configs: [{targets: [%s]}]\n", strings.Join(quoted, ", "))
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
		t.Fatalf("start prometheus: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("prometheus output:\n%s", logs.String())
		}
	})
	s := &Server{URL: "http://" + addr}
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get(s.URL + "/-/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("prometheus not ready after 15s: %v", err)
		}
		time.Sleep(50 * time.Millisecond) // polling interval, not synchronisation
	}
}

func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// WaitFor polls the instant query until it returns exactly one sample equal
// to want (within 1e-9), or ctx ends; the first scrape becomes queryable
// only a few seconds after Prometheus starts, and a later scrape may be
// needed to see the newest value. The error names the last value seen.
func (s *Server) WaitFor(ctx context.Context, query string, want float64) error {
	var last string
	for {
		v, err := s.Query(ctx, query)
		switch {
		case err != nil:
			last = err.Error()
		case math.Abs(v-want) <= 1e-9:
			return nil
		default:
			last = fmt.Sprint(v)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("query %s: want %v, last got %s (%w)", query, want, last, context.Cause(ctx))
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// Query runs an instant query and returns its value; it is an error when
// the query does not return exactly one sample.
func (s *Server) Query(ctx context.Context, query string) (float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/api/v1/query?query="+url.QueryEscape(query), nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
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
		return 0, fmt.Errorf("decode the query's answer: %w", err)
	}
	if r.Status != "success" {
		return 0, fmt.Errorf("status %s: %s", r.Status, r.Error)
	}
	if len(r.Data.Result) != 1 {
		return 0, fmt.Errorf("%d samples, want 1", len(r.Data.Result))
	}
	str, _ := r.Data.Result[0].Value[1].(string)
	return strconv.ParseFloat(str, 64)
}
