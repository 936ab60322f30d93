package handler_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/metrics/generic"
	"github.com/endpointkit/kit/metrics/instrument"
	"github.com/endpointkit/kit/ratelimit"
	kitotel "github.com/endpointkit/kit/tracing/otel"
	"github.com/endpointkit/kit/transport/http/handler"
)

func fetch(url string) {
	resp, err := http.Get(url)
	if err != nil {
		fmt.Println(err)
		return
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Printf("%d %s\n", resp.StatusCode, strings.TrimSpace(string(body)))
}

// Request metrics with the names promhttp users chart, labelled by the
// ServeMux pattern. With Prometheus, the recorder comes from
// kitprom.NewHTTPServerMetrics(reg, nil); any kit metrics backend works.
func ExampleMetrics() {
	requests := generic.NewCounter("http_requests_total")
	m := instrument.NewHTTP(instrument.Prometheus, requests, generic.NewHistogram("http_request_duration_seconds"))

	mux := http.NewServeMux()
	mux.HandleFunc("GET /items/{id}", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "item", r.PathValue("id")) })
	srv := httptest.NewServer(handler.Metrics(m)(mux))
	defer srv.Close()

	fetch(srv.URL + "/items/1")
	fetch(srv.URL + "/items/2")
	fetch(srv.URL + "/elsewhere")
	requests.Each(func(c *generic.Counter) {
		if c.Value() > 0 {
			fmt.Println(c.LabelValues(), c.Value())
		}
	})
	// Unordered output:
	// 200 item 1
	// 200 item 2
	// 404 404 page not found
	// [method get route GET /items/{id} code 200] 2
	// [method get route unmatched code 404] 1
}

// An access log through a plain *slog.Logger; the level follows the
// outcome (a 404 is the caller's: Warn, not Error).
func ExampleAccessLog() {
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			switch a.Key {
			case slog.TimeKey, "duration", "remote": // vary from run to run
				return slog.Attr{}
			}
			return a
		},
	}))
	mux := http.NewServeMux()
	mux.Handle("GET /items/{id}", handler.AccessLog(logger)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") == "0" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprintln(w, "item")
	})))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	fetch(srv.URL + "/items/1")
	fetch(srv.URL + "/items/0")
	// Output:
	// level=INFO msg="http request" method=GET route="GET /items/{id}" status=200 bytes=5 outcome=success
	// 200 item
	// level=WARN msg="http request" method=GET route="GET /items/{id}" status=404 bytes=19 outcome=caller_error
	// 404 404 page not found
}

// One adapter for several kit middlewares: metrics outside a rate limit,
// so that refusals are counted with the 429 they are answered with.
func ExampleMetricsMiddleware() {
	requests := generic.NewCounter("http_requests_total")
	m := instrument.NewHTTP(instrument.Prometheus, requests, nil)
	var once sync.Once
	limit := ratelimit.NewErroringLimiter(ratelimit.AllowerFunc(func() bool { // one request, then none
		allowed := false
		once.Do(func() { allowed = true })
		return allowed
	}))
	mux := http.NewServeMux()
	mux.Handle("GET /report", handler.Middleware(endpoint.Chain(handler.MetricsMiddleware(m), limit))(
		http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "report") })))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	fetch(srv.URL + "/report")
	fetch(srv.URL + "/report")
	requests.Each(func(c *generic.Counter) {
		if c.Value() > 0 {
			fmt.Println(c.LabelValues(), c.Value())
		}
	})
	// Unordered output:
	// 200 report
	// 429 {"error":"ratelimit: limit exceeded"}
	// [method get route GET /report code 200] 1
	// [method get route GET /report code 429] 1
}

// A handler that honours its context is cut short by the timeout, and the
// adapter answers 504.
func ExampleTimeout() {
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(time.Minute):
			fmt.Fprintln(w, "done")
		}
	})
	srv := httptest.NewServer(handler.Timeout(10 * time.Millisecond)(slow))
	defer srv.Close()
	fetch(srv.URL)
	// Output:
	// 504 {"error":"deadline exceeded"}
}

// A rate limit in front of a handler: any Allower works, a *rate.Limiter
// of golang.org/x/time/rate included.
func ExampleRateLimit() {
	var n int
	var mu sync.Mutex
	twice := ratelimit.AllowerFunc(func() bool { // two requests, then none
		mu.Lock()
		defer mu.Unlock()
		n++
		return n <= 2
	})
	srv := httptest.NewServer(handler.RateLimit(twice)(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "ok")
	})))
	defer srv.Close()
	for range 3 {
		fetch(srv.URL)
	}
	// Output:
	// 200 ok
	// 200 ok
	// 429 {"error":"ratelimit: limit exceeded"}
}

// At most one request at a time: a second one arriving while the first
// runs is refused at once.
func ExampleConcurrencyLimit() {
	entered, release := make(chan struct{}), make(chan struct{})
	srv := httptest.NewServer(handler.ConcurrencyLimit(1)(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		entered <- struct{}{}
		<-release
		fmt.Fprintln(w, "ok")
	})))
	defer srv.Close()
	done := make(chan struct{})
	go func() { defer close(done); fetch(srv.URL) }()
	<-entered
	fetch(srv.URL)
	close(release)
	<-done
	// Output:
	// 429 {"error":"ratelimit: too many requests in flight"}
	// 200 ok
}

// With tracing: TraceEndpoint before the access log in one chain, and the
// logger's handler wrapped with tracing/otel's SlogHandler, every line
// carries the request's trace_id and span_id.
func ExampleAccessLogMiddleware() {
	tp := sdktrace.NewTracerProvider()
	defer func() { _ = tp.Shutdown(context.Background()) }()
	logger := slog.New(kitotel.SlogHandler(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			switch a.Key {
			case slog.TimeKey, "duration", "remote":
				return slog.Attr{}
			case kitotel.TraceIDKey, kitotel.SpanIDKey: // random: show their length
				return slog.Int(a.Key+"_digits", len(a.Value.String()))
			}
			return a
		},
	})))
	traced := handler.Middleware(endpoint.Chain(kitotel.TraceEndpoint(tp, "items"), handler.AccessLogMiddleware(logger)))
	mux := http.NewServeMux()
	mux.Handle("GET /items/{id}", traced(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "item") })))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	fetch(srv.URL + "/items/1")
	// Output:
	// level=INFO msg="http request" method=GET route="GET /items/{id}" status=200 bytes=5 outcome=success trace_id_digits=32 span_id_digits=16
	// 200 item
}
