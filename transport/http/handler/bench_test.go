package handler_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/endpointkit/kit/circuitbreaker"
	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/ratelimit"
	kithttp "github.com/endpointkit/kit/transport/http"
	"github.com/endpointkit/kit/transport/http/handler"
	"golang.org/x/time/rate"
)

// discardWriter is a ResponseWriter that keeps nothing, so that the
// benchmarks measure the middleware rather than a recorder.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) WriteHeader(int)             {}
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }

// statusWriter is the status recorder a user writes by hand.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// handWritten is the breaker and limiter of the adapter's benchmark written
// directly as net/http middleware, with the same classification.
func handWritten(b *circuitbreaker.Breaker, l *rate.Limiter, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !l.Allow() {
			kithttp.DefaultErrorEncoder(r.Context(), ratelimit.ErrLimited, w)
			return
		}
		t, err := b.AllowAt(time.Now())
		if err != nil {
			kithttp.DefaultErrorEncoder(r.Context(), err, w)
			return
		}
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		b.DoneAt(t, time.Now(), endpoint.OutcomeOfStatus(sw.status))
	})
}

var okBody = []byte("ok")

// BenchmarkMiddleware compares a breaker and a rate limit run through the
// adapter with the same logic written by hand as net/http middleware; bare
// and adapter-nop give the handler's own cost and the adapter's alone.
func BenchmarkMiddleware(b *testing.B) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(okBody)
	})
	resilient := func() (*circuitbreaker.Breaker, *rate.Limiter) {
		return circuitbreaker.NewBreaker(circuitbreaker.Settings{}), rate.NewLimiter(rate.Inf, 1)
	}
	cases := []struct {
		name string
		h    func() http.Handler
	}{
		{"bare", func() http.Handler { return ok }},
		{"adapter-nop", func() http.Handler {
			return handler.Middleware(func(next endpoint.Endpoint) endpoint.Endpoint { return next })(ok)
		}},
		{"handwritten-breaker-limit", func() http.Handler {
			br, l := resilient()
			return handWritten(br, l, ok)
		}},
		{"adapter-breaker-limit", func() http.Handler {
			br, l := resilient()
			return handler.Middleware(endpoint.Chain(ratelimit.NewErroringLimiter(l), br.Middleware))(ok)
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			h := c.h()
			w := &discardWriter{h: http.Header{}}
			r := httptest.NewRequest("GET", "/", nil)
			b.ReportAllocs()
			for b.Loop() {
				h.ServeHTTP(w, r)
			}
		})
	}
}
