package stringsvc

import (
	"bytes"
	"context"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-kit/kit/metrics"
	"github.com/go-kit/kit/metrics/generic"
	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
)

// syncBuffer is a bytes.Buffer safe for the servers' goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// tally is a metrics.Counter that adds up by label values.
type tally struct {
	mu     *sync.Mutex
	lvs    []string
	counts map[string]float64
}

func (c *tally) With(labelValues ...string) metrics.Counter {
	return &tally{mu: c.mu, lvs: append(append([]string{}, c.lvs...), labelValues...), counts: c.counts}
}

func (c *tally) Add(delta float64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.counts[strings.Join(c.lvs, ",")] += delta
}

func (c *tally) get(key string) float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.counts[key]
}

// backend starts one instance of the service and returns its address.
func backend(t *testing.T, logger log.Logger) string {
	t.Helper()
	srv := httptest.NewServer(NewHTTPHandler(LoggingMiddleware(logger)(New()), logger))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

func post(t *testing.T, url, body string) (int, string) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	return resp.StatusCode, strings.TrimSpace(b.String())
}

func TestStringService(t *testing.T) {
	var logs syncBuffer
	logger := level.NewFilter(log.NewLogfmtLogger(&logs), level.AllowInfo())

	requests := &tally{mu: new(sync.Mutex), counts: map[string]float64{}}
	latency := generic.NewHistogram("latency_seconds", 50)
	counts := generic.NewHistogram("count_result", 50)

	a, b := backend(t, logger), backend(t, logger)
	var svc StringService = New()
	svc = ProxyingMiddleware(context.Background(), ProxySettings{
		Instances: []string{a, b}, QPS: 100, MaxAttempts: 3, MaxTime: 5 * time.Second, Seed: 1,
	}, logger)(svc)
	svc = LoggingMiddleware(logger)(svc)
	svc = InstrumentingMiddleware(requests, latency, counts)(svc)
	proxy := httptest.NewServer(NewHTTPHandler(svc, logger))
	defer proxy.Close()

	for _, tc := range []struct {
		path, body string
		code       int
		want       string
	}{
		{"/uppercase", `{"s":"hello, world"}`, 200, `{"v":"HELLO, WORLD"}`},
		{"/uppercase", `{"s":""}`, 200, `{"v":"","err":"empty string"}`},
		{"/count", `{"s":"héllo"}`, 200, `{"v":5}`},
	} {
		if code, body := post(t, proxy.URL+tc.path, tc.body); code != tc.code || body != tc.want {
			t.Errorf("POST %s %s = %d %s; want %d %s", tc.path, tc.body, code, body, tc.code, tc.want)
		}
	}
	// A body that does not decode is refused and logged by the transport's
	// error handler.
	if code, _ := post(t, proxy.URL+"/count", `{"s":`); code < 400 {
		t.Errorf("a malformed body got %d, want an error status", code)
	}

	if got := requests.get("method,uppercase,error,false"); got != 1 {
		t.Errorf("successful uppercase calls counted: %v, want 1", got)
	}
	if got := requests.get("method,uppercase,error,true"); got != 1 {
		t.Errorf("failed uppercase calls counted: %v, want 1", got)
	}
	if got := counts.Quantile(0.5); math.Abs(got-5) > 0.1 {
		t.Errorf("median count result %v, want 5", got)
	}
	out := logs.String()
	for _, want := range []string{"proxy_to=", `method=uppercase input="hello, world" output="HELLO, WORLD"`, "err="} {
		if !strings.Contains(out, want) {
			t.Errorf("logs lack %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "method=count") {
		t.Errorf("a debug line passed an info filter:\n%s", out)
	}
}
