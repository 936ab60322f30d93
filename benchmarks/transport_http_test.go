package benchmarks

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	gokithttp "github.com/go-kit/kit/transport/http"

	"github.com/endpointkit/kit/endpoint"
	kithttp "github.com/endpointkit/kit/transport/http"
)

// The workload: the sum RPC as JSON over HTTP/1.1 on loopback TCP. Each
// contestant is a server and a client written the way its users write them;
// all use encoding/json and the same http.Transport.

// httpContestant is a running server and a call function for one impl.
type httpContestant struct {
	srv  *httptest.Server
	call func(ctx context.Context, a, b int) (int, error)
}

func newTransport() *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256}}
}

func rawHTTP() httpContestant {
	srv := httptest.NewServer(RawSumHandler())
	client := newTransport()
	u := srv.URL + "/sum"
	return httpContestant{srv, func(ctx context.Context, a, b int) (int, error) {
		body, err := json.Marshal(sumReq{a, b})
		if err != nil {
			return 0, err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
		if err != nil {
			return 0, err
		}
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return 0, fmt.Errorf("status %d", resp.StatusCode)
		}
		var out sumResp
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			return 0, err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		return out.V, nil
	}}
}

func gokitHTTP() httpContestant {
	srv := httptest.NewServer(GokitSumHandler())
	u, _ := url.Parse(srv.URL + "/sum")
	client := gokithttp.NewClient(http.MethodPost, u, gokithttp.EncodeJSONRequest,
		func(_ context.Context, r *http.Response) (any, error) {
			if r.StatusCode != http.StatusOK {
				return nil, fmt.Errorf("status %d", r.StatusCode)
			}
			var resp sumResp
			err := json.NewDecoder(r.Body).Decode(&resp)
			return resp, err
		}, gokithttp.SetClient(newTransport())).Endpoint()
	return httpContestant{srv, func(ctx context.Context, a, b int) (int, error) {
		resp, err := client(ctx, sumReq{a, b})
		if err != nil {
			return 0, err
		}
		return resp.(sumResp).V, nil
	}}
}

func kitHTTP() httpContestant {
	srv := httptest.NewServer(KitSumHandler())
	u, _ := url.Parse(srv.URL + "/sum")
	call := endpoint.ToFunc[sumReq, sumResp](kithttp.NewClient(http.MethodPost, u,
		kithttp.EncodeJSONRequest, kithttp.DecodeJSONResponse[sumResp],
		kithttp.SetClient(newTransport())).Endpoint())
	return httpContestant{srv, func(ctx context.Context, a, b int) (int, error) {
		resp, err := call(ctx, sumReq{a, b})
		return resp.V, err
	}}
}

var httpContestants = []struct {
	name string
	new  func() httpContestant
}{
	{"raw", rawHTTP},
	{"gokit", gokitHTTP},
	{"kit", kitHTTP},
}

func BenchmarkHTTPSum(b *testing.B) {
	for _, clients := range []int{1, 64} {
		for _, c := range httpContestants {
			b.Run(fmt.Sprintf("clients=%d/impl=%s", clients, c.name), func(b *testing.B) {
				hc := c.new()
				defer hc.srv.Close()
				ctx := context.Background()
				runLoad(b, clients, func() error {
					v, err := hc.call(ctx, 1, 2)
					if err == nil && v != 3 {
						err = fmt.Errorf("sum = %d, want 3", v)
					}
					return err
				})
			})
		}
	}
}

func TestHTTPContestantsAgree(t *testing.T) {
	for _, c := range httpContestants {
		hc := c.new()
		v, err := hc.call(context.Background(), 20, 22)
		hc.srv.Close()
		if v != 42 || err != nil {
			t.Errorf("%s: sum(20, 22) = %d, %v; want 42", c.name, v, err)
		}
	}
}

// BenchmarkHTTPSumHandler measures the servers alone, in process: one
// ServeHTTP per iteration on a reused request, no network.
func BenchmarkHTTPSumHandler(b *testing.B) {
	for _, c := range []struct {
		name string
		h    http.Handler
	}{{"raw", RawSumHandler()}, {"gokit", GokitSumHandler()}, {"kit", KitSumHandler()}} {
		b.Run("impl="+c.name, func(b *testing.B) {
			body := bytes.NewReader(nil)
			r := httptest.NewRequest(http.MethodPost, "/sum", nil)
			r.Header.Set("Content-Type", "application/json")
			w := &nopWriter{h: http.Header{}}
			payload := []byte(`{"a":1,"b":2}`)
			b.ReportAllocs()
			for b.Loop() {
				body.Reset(payload)
				r.Body = io.NopCloser(body)
				clear(w.h)
				c.h.ServeHTTP(w, r)
				if w.code != 0 && w.code != http.StatusOK {
					b.Fatalf("status %d", w.code)
				}
			}
		})
	}
}

type nopWriter struct {
	h    http.Header
	code int
}

func (w *nopWriter) Header() http.Header         { return w.h }
func (w *nopWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *nopWriter) WriteHeader(code int)        { w.code = code }
