package http_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/endpointkit/kit/endpoint"
	kithttp "github.com/endpointkit/kit/transport/http"
)

// BenchmarkServerJSON measures a Server's whole JSON path in process:
// decode, endpoint, encode.
func BenchmarkServerJSON(b *testing.B) {
	h := kithttp.NewServer(endpoint.FromFunc(sum), kithttp.DecodeJSONRequest[sumRequest], kithttp.EncodeJSONResponse)
	body := strings.NewReader(`{"a":1,"b":2}`)
	r := httptest.NewRequest("POST", "/sum", body)
	r.Header.Set("Content-Type", "application/json")
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		body.Reset(`{"a":1,"b":2}`)
		r.Body = nopBody{body}
		clear(w.h)
		h.ServeHTTP(w, r)
		if w.code != 200 {
			b.Fatalf("status %d", w.code)
		}
	}
}

// BenchmarkClientEncode measures the client-side JSON request encoding.
func BenchmarkClientEncode(b *testing.B) {
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		r, _ := http.NewRequestWithContext(ctx, "POST", "http://x/sum", nil)
		if err := kithttp.EncodeJSONRequest(ctx, r, sumRequest{A: 1, B: 2}); err != nil {
			b.Fatal(err)
		}
	}
}

type nopBody struct{ *strings.Reader }

func (nopBody) Close() error { return nil }

type discardWriter struct {
	h    http.Header
	code int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(code int)        { w.code = code }
