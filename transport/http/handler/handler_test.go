package handler_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/endpointkit/kit/circuitbreaker"
	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/ratelimit"
	kithttp "github.com/endpointkit/kit/transport/http"
	"github.com/endpointkit/kit/transport/http/handler"
)

// statusHandler answers every request with the status in *code and counts
// the requests it served.
type statusHandler struct {
	code  atomic.Int32
	calls atomic.Int32
}

func (h *statusHandler) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	h.calls.Add(1)
	w.WriteHeader(int(h.code.Load()))
	_, _ = io.WriteString(w, "body")
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return resp.StatusCode, string(b)
}

func TestBreakerOpensOn5xx(t *testing.T) {
	h := &statusHandler{}
	h.code.Store(http.StatusInternalServerError)
	b := circuitbreaker.NewBreaker(circuitbreaker.Settings{MinRequests: 5, OpenFor: time.Hour})
	srv := httptest.NewServer(handler.Middleware(b.Middleware)(h))
	defer srv.Close()

	for i := range 5 {
		if code, body := get(t, srv.URL); code != 500 || body != "body" {
			t.Fatalf("request %d: %d %q, want the handler's 500 \"body\"", i, code, body)
		}
	}
	if s := b.State(time.Now()); s != circuitbreaker.Open {
		t.Fatalf("breaker after 5 induced 500s: %v, want open", s)
	}
	code, body := get(t, srv.URL)
	if code != http.StatusTooManyRequests {
		t.Errorf("request to an open breaker: status %d, want 429 (DefaultErrorEncoder for Overloaded)", code)
	}
	var msg struct{ Error string }
	if err := json.Unmarshal([]byte(body), &msg); err != nil || msg.Error != circuitbreaker.ErrOpen.Error() {
		t.Errorf("refusal body %q (%v), want ErrOpen's JSON", body, err)
	}
	if n := h.calls.Load(); n != 5 {
		t.Errorf("handler served %d requests, want 5: the refused one must not reach it", n)
	}
}

func TestBreakerIgnores4xx(t *testing.T) {
	for _, code := range []int{400, 401, 404, 422} {
		t.Run(http.StatusText(code), func(t *testing.T) {
			h := &statusHandler{}
			h.code.Store(int32(code))
			b := circuitbreaker.NewBreaker(circuitbreaker.Settings{MinRequests: 5, OpenFor: time.Hour})
			srv := httptest.NewServer(handler.Middleware(b.Middleware)(h))
			defer srv.Close()
			for i := range 30 {
				if got, _ := get(t, srv.URL); got != code {
					t.Fatalf("request %d: status %d, want the handler's %d", i, got, code)
				}
			}
			if s := b.State(time.Now()); s != circuitbreaker.Closed {
				t.Errorf("breaker after 30 × %d: %v, want closed (caller errors are not failures)", code, s)
			}
			if n := h.calls.Load(); n != 30 {
				t.Errorf("handler served %d, want 30", n)
			}
		})
	}
}

func TestOutcomes(t *testing.T) {
	for _, tc := range []struct {
		code int
		want endpoint.Kind
	}{
		{200, endpoint.Success},
		{201, endpoint.Success},
		{302, endpoint.Success},
		{404, endpoint.CallerError},
		{429, endpoint.Overloaded},
		{500, endpoint.DependencyFailure},
		{503, endpoint.DependencyFailure},
	} {
		t.Run(http.StatusText(tc.code), func(t *testing.T) {
			var got endpoint.Outcome
			var resp *handler.Response
			observe := func(next endpoint.Endpoint) endpoint.Endpoint {
				return func(ctx context.Context, req any) (any, error) {
					r, err := next(ctx, req)
					got = endpoint.Classify(ctx, r, err)
					resp, _ = r.(*handler.Response)
					return r, err
				}
			}
			h := &statusHandler{}
			h.code.Store(int32(tc.code))
			rec := httptest.NewRecorder()
			handler.Middleware(observe)(h).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
			if got.Kind != tc.want {
				t.Errorf("outcome of %d: %v, want %v", tc.code, got, tc.want)
			}
			if resp == nil || resp.Status != tc.code || resp.Bytes != 4 {
				t.Errorf("response seen by the middleware: %+v, want status %d, 4 bytes", resp, tc.code)
			}
			if rec.Code != tc.code || rec.Body.String() != "body" {
				t.Errorf("written: %d %q, want the handler's %d \"body\" only", rec.Code, rec.Body, tc.code)
			}
		})
	}
}

func TestLimiterRefusesWith429(t *testing.T) {
	var allowed atomic.Int32
	allowed.Store(2)
	limit := ratelimit.NewErroringLimiter(ratelimit.AllowerFunc(func() bool { return allowed.Add(-1) >= 0 }))
	h := &statusHandler{}
	h.code.Store(200)
	srv := httptest.NewServer(handler.Middleware(limit)(h))
	defer srv.Close()
	for i, want := range []int{200, 200, 429, 429} {
		if got, _ := get(t, srv.URL); got != want {
			t.Errorf("request %d: status %d, want %d", i, got, want)
		}
	}
	if n := h.calls.Load(); n != 2 {
		t.Errorf("handler served %d, want 2", n)
	}
}

func TestErrorEncoderOption(t *testing.T) {
	refuse := func(endpoint.Endpoint) endpoint.Endpoint {
		return func(context.Context, any) (any, error) { return nil, circuitbreaker.ErrOpen }
	}
	ee := func(_ context.Context, err error, w http.ResponseWriter) {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, err.Error())
	}
	rec := httptest.NewRecorder()
	handler.Middleware(refuse, handler.ErrorEncoder(ee))(http.NotFoundHandler()).
		ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != 503 || rec.Body.String() != circuitbreaker.ErrOpen.Error() {
		t.Errorf("custom encoder: %d %q, want 503 and ErrOpen's text", rec.Code, rec.Body)
	}
}

func TestTimeoutReachesHandler(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var cause error
		var left time.Duration
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			dl, ok := r.Context().Deadline()
			if !ok {
				t.Error("handler's context has no deadline")
			}
			left = time.Until(dl)
			<-r.Context().Done()
			cause = context.Cause(r.Context())
			w.WriteHeader(http.StatusGatewayTimeout)
		})
		var got endpoint.Outcome
		observe := func(next endpoint.Endpoint) endpoint.Endpoint {
			return func(ctx context.Context, req any) (any, error) {
				r, err := next(ctx, req)
				got = endpoint.Classify(ctx, r, err)
				return r, err
			}
		}
		mw := endpoint.Chain(observe, endpoint.Timeout(50*time.Millisecond))
		rec := httptest.NewRecorder()
		handler.Middleware(mw)(h).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
		if left != 50*time.Millisecond {
			t.Errorf("handler's deadline %v away, want 50ms", left)
		}
		if !errors.Is(cause, endpoint.ErrTimeout) {
			t.Errorf("handler's context cause %v, want endpoint.ErrTimeout", cause)
		}
		if got.Kind != endpoint.DependencyFailure {
			t.Errorf("outcome %v, want dependency_failure (this hop's own timeout)", got)
		}
		if rec.Code != http.StatusGatewayTimeout {
			t.Errorf("status %d, want the handler's 504", rec.Code)
		}
	})
}

type ctxKey struct{}

func TestContextAndRoute(t *testing.T) {
	addValue := func(next endpoint.Endpoint) endpoint.Endpoint {
		return func(ctx context.Context, req any) (any, error) {
			return next(context.WithValue(ctx, ctxKey{}, "set by the middleware"), req)
		}
	}
	var seen, inner, outer string
	mux := http.NewServeMux()
	mux.HandleFunc("GET /items/{id}", func(w http.ResponseWriter, r *http.Request) {
		seen, _ = r.Context().Value(ctxKey{}).(string)
		inner = handler.Route(r)
		_, _ = io.WriteString(w, r.PathValue("id"))
	})
	wrapped := handler.Middleware(addValue)(mux)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		wrapped.ServeHTTP(w, r)
		outer = handler.Route(r)
	}))
	defer srv.Close()

	if code, body := get(t, srv.URL+"/items/42"); code != 200 || body != "42" {
		t.Fatalf("GET /items/42: %d %q", code, body)
	}
	if seen != "set by the middleware" {
		t.Errorf("handler's context value %q, want the middleware's", seen)
	}
	if inner != "GET /items/{id}" || outer != "GET /items/{id}" {
		t.Errorf("Route inside %q, outside after the call %q; want the pattern \"GET /items/{id}\"", inner, outer)
	}
	if code, _ := get(t, srv.URL+"/nothing/here"); code != 404 || outer != handler.Unmatched {
		t.Errorf("unrouted request: %d, Route %q; want 404 and %q", code, outer, handler.Unmatched)
	}
}

func TestHandlerPanicIsNotSwallowed(t *testing.T) {
	for _, v := range []any{"boom", http.ErrAbortHandler} {
		var seen error
		observe := func(next endpoint.Endpoint) endpoint.Endpoint {
			return func(ctx context.Context, req any) (any, error) {
				r, err := next(ctx, req)
				seen = err
				return r, err
			}
		}
		h := handler.Middleware(observe)(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(v) }))
		var recovered any
		func() {
			defer func() { recovered = recover() }()
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
		}()
		if recovered != v {
			t.Errorf("panic(%v): recovered %v outside the adapter, want the same value", v, recovered)
		}
		var pe *kithttp.PanicError
		if !errors.As(seen, &pe) || pe.Value != v || len(pe.Stack) == 0 {
			t.Errorf("panic(%v): middleware saw %v, want a *PanicError with the value and a stack", v, seen)
		}
		if o := endpoint.Classify(context.Background(), nil, seen); o.Kind != endpoint.DependencyFailure {
			t.Errorf("panic(%v) classifies as %v, want dependency_failure", v, o)
		}
	}
}

func TestHalfOpenProbeReturnedOnPanic(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := circuitbreaker.NewBreaker(circuitbreaker.Settings{MinRequests: 1, OpenFor: time.Second, Probes: 1})
		var panicNow atomic.Bool
		h := handler.Middleware(b.Middleware)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if panicNow.Load() {
				panic("boom")
			}
			w.WriteHeader(500)
		}))
		serve := func() (code int, recovered any) {
			defer func() { recovered = recover() }()
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
			return rec.Code, nil
		}
		serve()
		time.Sleep(time.Second) // fake time: the breaker half-opens
		panicNow.Store(true)
		if _, rec := serve(); rec == nil {
			t.Fatal("the probe's panic did not reach the caller")
		}
		if s := b.State(time.Now()); s != circuitbreaker.Open {
			t.Errorf("breaker after a panicking probe: %v, want open again", s)
		}
	})
}

func TestCalledTwice(t *testing.T) {
	var second error
	twice := func(next endpoint.Endpoint) endpoint.Endpoint {
		return func(ctx context.Context, req any) (any, error) {
			r, err := next(ctx, req)
			_, second = next(ctx, req)
			return r, err
		}
	}
	h := &statusHandler{}
	h.code.Store(200)
	handler.Middleware(twice)(h).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	if !errors.Is(second, handler.ErrCalledTwice) || h.calls.Load() != 1 {
		t.Errorf("second call: %v, handler ran %d times; want ErrCalledTwice and once", second, h.calls.Load())
	}
}

func TestReplacedRequest(t *testing.T) {
	replace := func(next endpoint.Endpoint) endpoint.Endpoint {
		return func(ctx context.Context, _ any) (any, error) { return next(ctx, "something else") }
	}
	h := &statusHandler{}
	rec := httptest.NewRecorder()
	handler.Middleware(replace)(h).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != 500 || h.calls.Load() != 0 {
		t.Errorf("replaced request value: %d, handler ran %d times; want 500 and not run", rec.Code, h.calls.Load())
	}
}

func TestConcurrentRequests(t *testing.T) {
	h := &statusHandler{}
	h.code.Store(200)
	b := circuitbreaker.NewBreaker(circuitbreaker.Settings{})
	adaptive := ratelimit.NewAdaptive(ratelimit.AdaptiveSettings{})
	srv := httptest.NewServer(handler.Middleware(endpoint.Chain(b.Middleware, adaptive.Middleware))(h))
	defer srv.Close()
	var wg sync.WaitGroup
	var bad atomic.Int32
	for range 8 {
		wg.Go(func() {
			for range 25 {
				resp, err := http.Get(srv.URL)
				if err != nil {
					bad.Add(1)
					continue
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || string(b) != "body" {
					bad.Add(1)
				}
			}
		})
	}
	wg.Wait()
	srv.Client().CloseIdleConnections()
	http.DefaultClient.CloseIdleConnections()
	if bad.Load() != 0 || h.calls.Load() != 200 {
		t.Errorf("%d bad responses, %d served; want 0 and 200", bad.Load(), h.calls.Load())
	}
}

// TestHandlerPanicRoute checks what the middleware sees of a request whose
// handler panics behind a ServeMux, when the middleware changed the context
// (so the handler ran on a copy of the request): the route the mux
// matched, status 500 and a dependency failure; the panic still reaches
// the caller.
func TestHandlerPanicRoute(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, nil))
	addValue := func(next endpoint.Endpoint) endpoint.Endpoint {
		return func(ctx context.Context, req any) (any, error) {
			return next(context.WithValue(ctx, ctxKey{}, "v"), req)
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /items/{id}", func(http.ResponseWriter, *http.Request) { panic("boom") })
	h := handler.Middleware(endpoint.Chain(handler.AccessLogMiddleware(logger), addValue))(mux)
	var recovered any
	func() {
		defer func() { recovered = recover() }()
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/items/7", nil))
	}()
	if recovered != "boom" {
		t.Errorf("recovered %v outside the adapter, want the handler's panic", recovered)
	}
	var line struct {
		Route   string
		Status  int
		Outcome string
	}
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatalf("access log %q: %v", buf.String(), err)
	}
	if line.Route != "GET /items/{id}" || line.Status != 500 || line.Outcome != "dependency_failure" {
		t.Errorf("access log saw route %q, status %d, outcome %q; want \"GET /items/{id}\", 500, dependency_failure", line.Route, line.Status, line.Outcome)
	}
}

// TestBefore: the Before functions run on each request, in order, before
// the middleware; the middleware and the handler see the context they
// return.
func TestBefore(t *testing.T) {
	fromHeader := func(ctx context.Context, r *http.Request) context.Context {
		return context.WithValue(ctx, ctxKey{}, r.Header.Get("X-User"))
	}
	suffix := func(ctx context.Context, _ *http.Request) context.Context {
		v, _ := ctx.Value(ctxKey{}).(string)
		return context.WithValue(ctx, ctxKey{}, v+"!")
	}
	var inMiddleware, inHandler string
	look := func(next endpoint.Endpoint) endpoint.Endpoint {
		return func(ctx context.Context, req any) (any, error) {
			inMiddleware, _ = ctx.Value(ctxKey{}).(string)
			return next(ctx, req)
		}
	}
	h := handler.Middleware(look, handler.Before(fromHeader, suffix))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inHandler, _ = r.Context().Value(ctxKey{}).(string)
	}))
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("X-User", "ann")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusOK || inMiddleware != "ann!" || inHandler != "ann!" {
		t.Errorf("status %d, middleware saw %q, handler saw %q; want 200, ann!, ann!", w.Code, inMiddleware, inHandler)
	}
}
