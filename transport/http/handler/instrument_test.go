package handler_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/metrics/generic"
	"github.com/endpointkit/kit/metrics/instrument"
	"github.com/endpointkit/kit/ratelimit"
	kitotel "github.com/endpointkit/kit/tracing/otel"
	"github.com/endpointkit/kit/transport/http/handler"
)

// items is a small service: /items/{id} answers 200, or 503 for "broken"
// and 404 for "missing".
var items = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	switch r.PathValue("id") {
	case "broken":
		http.Error(w, "database down", http.StatusServiceUnavailable)
	case "missing":
		http.NotFound(w, r)
	default:
		_, _ = w.Write([]byte("item"))
	}
})

func counts(c *generic.Counter) map[string]float64 {
	out := map[string]float64{}
	c.Each(func(ch *generic.Counter) {
		if lvs := ch.LabelValues(); len(lvs) > 0 && ch.Value() > 0 {
			out[strings.Join(lvs, ",")] = ch.Value()
		}
	})
	return out
}

func do(t *testing.T, method, url string) int {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestMetrics records through Metrics wrapping the whole ServeMux and
// through MetricsMiddleware outside a refusing limiter on one route.
func TestMetrics(t *testing.T) {
	requests := generic.NewCounter("http_requests_total")
	m := instrument.NewHTTP(instrument.Prometheus, requests, generic.NewHistogram("d"))
	var allow sync.Mutex
	limit := ratelimit.NewErroringLimiter(ratelimit.AllowerFunc(func() bool { return allow.TryLock() })) // one request
	mux := http.NewServeMux()
	mux.Handle("GET /items/{id}", items)
	mux.Handle("/limited", handler.Middleware(endpoint.Chain(handler.MetricsMiddleware(m), limit))(items))
	srv := httptest.NewServer(handler.Metrics(m)(mux))
	defer srv.Close()

	for _, c := range []struct {
		method, path string
		code         int
	}{
		{"GET", "/items/1", 200}, {"GET", "/items/2", 200}, {"GET", "/items/broken", 503},
		{"GET", "/items/missing", 404}, {"GET", "/nothing/here", 404}, {"BREW", "/items/1", 405},
		{"GET", "/limited", 200}, {"GET", "/limited", 429},
	} {
		if got := do(t, c.method, srv.URL+c.path); got != c.code {
			t.Errorf("%s %s: %d, want %d", c.method, c.path, got, c.code)
		}
	}
	want := map[string]float64{
		"method,get,route,GET /items/{id},code,200": 2,
		"method,get,route,GET /items/{id},code,503": 1,
		"method,get,route,GET /items/{id},code,404": 1,
		"method,get,route,unmatched,code,404":       1,
		"method,unknown,route,unmatched,code,405":   1,
		"method,get,route,/limited,code,200":        2, // the outer Metrics and MetricsMiddleware
		"method,get,route,/limited,code,429":        2,
	}
	got := counts(requests)
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("series %v, want %v", got, want)
	}
}

type logLine struct {
	Level, Msg, Method, Route, Outcome, Remote string
	Status                                     int
	Bytes                                      int64
	Duration                                   int64
	TraceID                                    string `json:"trace_id"`
}

func lines(t *testing.T, buf *bytes.Buffer) []logLine {
	t.Helper()
	var out []logLine
	for _, l := range bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n")) {
		var ll logLine
		if err := json.Unmarshal(l, &ll); err != nil {
			t.Fatalf("log line %s: %v", l, err)
		}
		out = append(out, ll)
	}
	return out
}

func TestAccessLog(t *testing.T) {
	var buf bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewJSONHandler(&lockedWriter{w: &buf, mu: &mu}, nil))
	mux := http.NewServeMux()
	mux.Handle("GET /items/{id}", handler.AccessLog(logger)(items))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	for _, id := range []string{"1", "missing", "broken"} {
		do(t, "GET", srv.URL+"/items/"+id)
	}
	mu.Lock()
	defer mu.Unlock()
	got := lines(t, &buf)
	want := []struct {
		level, outcome string
		status         int
	}{{"INFO", "success", 200}, {"WARN", "caller_error", 404}, {"ERROR", "dependency_failure", 503}}
	if len(got) != len(want) {
		t.Fatalf("%d log lines, want %d: %s", len(got), len(want), buf.String())
	}
	for i, w := range want {
		g := got[i]
		if g.Level != w.level || g.Outcome != w.outcome || g.Status != w.status || g.Msg != "http request" ||
			g.Method != "GET" || g.Route != "GET /items/{id}" || !strings.HasPrefix(g.Remote, "127.0.0.1:") || g.Bytes == 0 || g.Duration <= 0 {
			t.Errorf("line %d: %+v, want level %s, outcome %s, status %d, route GET /items/{id}", i, g, w.level, w.outcome, w.status)
		}
	}
}

// TestAccessLogTraceIDs: with tracing/otel's SlogHandler and tracing's
// TraceEndpoint before the access log in one chain, each line carries the
// request's trace id.
func TestAccessLogTraceIDs(t *testing.T) {
	tp := sdktrace.NewTracerProvider()
	defer func() { _ = tp.Shutdown(context.Background()) }()
	var buf bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(kitotel.SlogHandler(slog.NewJSONHandler(&lockedWriter{w: &buf, mu: &mu}, nil)))
	srv := httptest.NewServer(handler.Middleware(endpoint.Chain(
		kitotel.TraceEndpoint(tp, "items"), handler.AccessLogMiddleware(logger)))(items))
	defer srv.Close()
	do(t, "GET", srv.URL+"/items/1")
	mu.Lock()
	defer mu.Unlock()
	if got := lines(t, &buf); len(got) != 1 || len(got[0].TraceID) != 32 {
		t.Errorf("log lines %+v, want one with a 32-digit trace_id", got)
	}
}

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// TestNilRecorders: a nil recorder or logger serves without recording.
func TestNilRecorders(t *testing.T) {
	srv := httptest.NewServer(handler.Metrics(nil)(handler.AccessLog(nil)(items)))
	defer srv.Close()
	if code := do(t, "GET", srv.URL+"/items/1"); code != 200 {
		t.Errorf("GET through nil recorders: %d, want 200", code)
	}
}
