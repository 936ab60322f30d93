package jsonrpc_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/internal/testenv"
	kithttp "github.com/endpointkit/kit/transport/http"
	"github.com/endpointkit/kit/transport/http/jsonrpc"
)

func TestMain(m *testing.M) { testenv.Main(m) }

type sumRequest struct {
	A int `json:"a"`
	B int `json:"b"`
}

type sumResponse struct {
	V int `json:"v"`
}

// newServer serves "sum" (with failures on magic values) and "notify"
// (counting its calls).
func newServer(t testing.TB, notified *atomic.Int32, options ...jsonrpc.ServerOption) *httptest.Server {
	sum := endpoint.FromFunc(func(_ context.Context, req sumRequest) (sumResponse, error) {
		switch req.A {
		case 666:
			panic("the devil")
		case 500:
			return sumResponse{}, errors.New("boom")
		case 32000:
			return sumResponse{}, &jsonrpc.Error{Code: -32000, Message: "custom"}
		}
		return sumResponse{V: req.A + req.B}, nil
	})
	notify := func(context.Context, any) (any, error) {
		notified.Add(1)
		return struct{}{}, nil
	}
	srv := httptest.NewServer(jsonrpc.NewServer(jsonrpc.EndpointCodecMap{
		"sum":    {Endpoint: sum, Decode: jsonrpc.DecodeParams[sumRequest], Encode: jsonrpc.EncodeResult},
		"notify": {Endpoint: notify, Decode: jsonrpc.DecodeParams[json.RawMessage], Encode: jsonrpc.EncodeResult},
	}, options...))
	t.Cleanup(srv.Close)
	return srv
}

func postRaw(t *testing.T, srv *httptest.Server, method, contentType, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, srv.URL, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(b))
}

func TestServerEnvelopes(t *testing.T) {
	var notified atomic.Int32
	srv := newServer(t, &notified, jsonrpc.ServerMaxBodyBytes(4096), jsonrpc.ServerMaxBatch(3))
	const ct = "application/json"
	for _, tc := range []struct {
		name       string
		method, ct string
		body       string
		wantStatus int
		wantBody   string // exact, or a substring when it starts with "~"
		wantNotify int32
	}{
		{"call", "POST", ct, `{"jsonrpc":"2.0","method":"sum","params":{"a":1,"b":2},"id":1}`, 200, `{"jsonrpc":"2.0","result":{"v":3},"id":1}`, 0},
		{"string id", "POST", ct, `{"jsonrpc":"2.0","method":"sum","params":{"a":1,"b":2},"id":"x"}`, 200, `{"jsonrpc":"2.0","result":{"v":3},"id":"x"}`, 0},
		{"null id is a call", "POST", ct, `{"jsonrpc":"2.0","method":"sum","params":{"a":1,"b":2},"id":null}`, 200, `{"jsonrpc":"2.0","result":{"v":3},"id":null}`, 0},
		{"no content type", "POST", "", `{"jsonrpc":"2.0","method":"sum","params":{"a":1,"b":2},"id":1}`, 200, `~"result":{"v":3}`, 0},
		{"parse error", "POST", ct, `{"jsonrpc":"2.0","method":"sum",`, 400, `~{"code":-32700`, 0},
		{"not an object", "POST", ct, `42`, 400, `~{"code":-32600`, 0},
		{"wrong version", "POST", ct, `{"jsonrpc":"1.0","method":"sum","id":1}`, 400, `~"error":{"code":-32600`, 0},
		{"no method", "POST", ct, `{"jsonrpc":"2.0","id":1}`, 400, `~"error":{"code":-32600`, 0},
		{"method not a string", "POST", ct, `{"jsonrpc":"2.0","method":1,"id":1}`, 400, `~"error":{"code":-32600`, 0},
		{"bad id type", "POST", ct, `{"jsonrpc":"2.0","method":"sum","id":{}}`, 400, `~"error":{"code":-32600`, 0},
		{"scalar params", "POST", ct, `{"jsonrpc":"2.0","method":"sum","params":3,"id":1}`, 400, `~"error":{"code":-32600`, 0},
		{"method not found", "POST", ct, `{"jsonrpc":"2.0","method":"nope","id":7}`, 404, `~{"code":-32601`, 0},
		{"invalid params", "POST", ct, `{"jsonrpc":"2.0","method":"sum","params":{"a":"x"},"id":1}`, 400, `~{"code":-32602,"message":"jsonrpc: invalid params: params: field \"a\": want an integer, got string"}`, 0},
		{"endpoint error", "POST", ct, `{"jsonrpc":"2.0","method":"sum","params":{"a":500},"id":1}`, 500, `{"jsonrpc":"2.0","error":{"code":-32603,"message":"internal error"},"id":1}`, 0},
		{"custom error code", "POST", ct, `{"jsonrpc":"2.0","method":"sum","params":{"a":32000},"id":1}`, 500, `~{"code":-32000,"message":"custom"}`, 0},
		{"panic", "POST", ct, `{"jsonrpc":"2.0","method":"sum","params":{"a":666},"id":1}`, 500, `{"jsonrpc":"2.0","error":{"code":-32603,"message":"internal error"},"id":1}`, 0},
		{"notification", "POST", ct, `{"jsonrpc":"2.0","method":"notify","params":[1]}`, 204, ``, 1},
		{"failing notification", "POST", ct, `{"jsonrpc":"2.0","method":"sum","params":{"a":500}}`, 204, ``, 0},
		{"batch", "POST", ct, `[{"jsonrpc":"2.0","method":"sum","params":{"a":1,"b":1},"id":1},{"jsonrpc":"2.0","method":"notify"},{"jsonrpc":"2.0","method":"nope","id":2}]`, 200,
			`[{"jsonrpc":"2.0","result":{"v":2},"id":1},{"jsonrpc":"2.0","error":{"code":-32601,"message":"method not found: nope"},"id":2}]`, 1},
		{"batch of notifications", "POST", ct, `[{"jsonrpc":"2.0","method":"notify"},{"jsonrpc":"2.0","method":"notify"}]`, 204, ``, 2},
		{"batch with invalid members", "POST", ct, `[1,2]`, 200, `[{"jsonrpc":"2.0","error":{"code":-32600,"message":"request: want an object, got number"},"id":null},{"jsonrpc":"2.0","error":{"code":-32600,"message":"request: want an object, got number"},"id":null}]`, 0},
		{"null request", "POST", ct, `null`, 400, `~"error":{"code":-32600`, 0},
		{"empty batch", "POST", ct, `[]`, 400, `~"error":{"code":-32600,"message":"empty batch"}`, 0},
		{"batch too large", "POST", ct, `[1,2,3,4]`, 400, `~"message":"batch too large: more than 3 calls"`, 0},
		{"truncated batch", "POST", ct, `[{"jsonrpc":"2.0","method":"sum","id":1},`, 400, `~{"code":-32700`, 0},
		{"empty body", "POST", ct, ``, 400, `~{"code":-32700`, 0},
		{"GET", "GET", "", ``, 405, `~"error"`, 0},
		{"wrong content type", "POST", "text/plain", `{}`, 415, `~"error"`, 0},
		{"oversized batch", "POST", ct, `[{"jsonrpc":"2.0","method":"sum","params":{"pad":"` + strings.Repeat("x", 5000) + `"},"id":1}]`, 413, `~"error"`, 0},
		{"garbage after a batch", "POST", ct, `[{"jsonrpc":"2.0","method":"notify"}] x`, 400, `~{"code":-32700`, 0},
		{"oversized body", "POST", ct, `{"jsonrpc":"2.0","method":"sum","params":{"pad":"` + strings.Repeat("x", 5000) + `"},"id":1}`, 413, `~"error"`, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := notified.Load()
			status, body := postRaw(t, srv, tc.method, tc.ct, tc.body)
			ok := body == tc.wantBody
			if strings.HasPrefix(tc.wantBody, "~") {
				ok = strings.Contains(body, tc.wantBody[1:])
			}
			if status != tc.wantStatus || !ok {
				t.Errorf("%s: got %d %s\nwant %d %s", tc.body, status, body, tc.wantStatus, tc.wantBody)
			}
			for _, leak := range []string{"Go ", "sumRequest", "boom"} {
				if strings.Contains(body, leak) {
					t.Errorf("%s: body %s contains %q", tc.body, body, leak)
				}
			}
			if n := notified.Load() - before; n != tc.wantNotify {
				t.Errorf("notify ran %d times, want %d", n, tc.wantNotify)
			}
			// A good call still works.
			if status, body := postRaw(t, srv, "POST", ct, `{"jsonrpc":"2.0","method":"sum","params":{"a":2,"b":3},"id":9}`); status != 200 || body != `{"jsonrpc":"2.0","result":{"v":5},"id":9}` {
				t.Errorf("good call after %s: %d %s", tc.name, status, body)
			}
		})
	}
}

// TestServerVerboseErrors checks the opt-in that sends internal errors'
// text, for development.
func TestServerVerboseErrors(t *testing.T) {
	var notified atomic.Int32
	srv := newServer(t, &notified, jsonrpc.ServerVerboseErrors())
	status, body := postRaw(t, srv, "POST", "application/json", `{"jsonrpc":"2.0","method":"sum","params":{"a":500},"id":1}`)
	if want := `{"jsonrpc":"2.0","error":{"code":-32603,"message":"boom"},"id":1}`; status != 500 || body != want {
		t.Errorf("endpoint error with ServerVerboseErrors: got %d %s, want 500 %s", status, body, want)
	}
}

func TestClient(t *testing.T) {
	var notified atomic.Int32
	var handled atomic.Int32
	srv := newServer(t, &notified, jsonrpc.ServerErrorHandler(kithttp.ErrorHandlerFunc(func(context.Context, error) { handled.Add(1) })))
	u, _ := url.Parse(srv.URL)
	call := endpoint.ToFunc[sumRequest, sumResponse](jsonrpc.NewClient(u, "sum",
		jsonrpc.SetClient(srv.Client()),
		jsonrpc.ClientResponseDecoder(jsonrpc.DecodeResult[sumResponse])).Endpoint())

	if got, err := call(context.Background(), sumRequest{A: 20, B: 22}); err != nil || got.V != 42 {
		t.Errorf("sum(20, 22) = %v, %v; want 42", got, err)
	}
	for _, tc := range []struct {
		name     string
		req      sumRequest
		wantCode int
	}{
		{"internal", sumRequest{A: 500}, jsonrpc.InternalError},
		{"panic", sumRequest{A: 666}, jsonrpc.InternalError},
		{"custom", sumRequest{A: 32000}, -32000},
	} {
		var e *jsonrpc.Error
		if _, err := call(context.Background(), tc.req); !errors.As(err, &e) || e.Code != tc.wantCode {
			t.Errorf("%s: err = %v, want *Error with code %d", tc.name, err, tc.wantCode)
		}
	}
	if handled.Load() != 3 {
		t.Errorf("ErrorHandler saw %d errors, want 3", handled.Load())
	}

	missing := jsonrpc.NewClient(u, "nope", jsonrpc.SetClient(srv.Client())).Endpoint()
	var e *jsonrpc.Error
	if _, err := missing(context.Background(), nil); !errors.As(err, &e) || e.Code != jsonrpc.MethodNotFound {
		t.Errorf("unknown method: err = %v, want MethodNotFound", err)
	}

	// Not a JSON-RPC server at all.
	plain := httptest.NewServer(http.NotFoundHandler())
	defer plain.Close()
	pu, _ := url.Parse(plain.URL)
	var re *kithttp.ResponseError
	if _, err := jsonrpc.NewClient(pu, "sum", jsonrpc.SetClient(plain.Client())).Endpoint()(context.Background(), sumRequest{}); !errors.As(err, &re) || re.Code != 404 {
		t.Errorf("non-JSON-RPC peer: err = %v, want *ResponseError 404", err)
	}

	// Concurrent calls get their own ids and results.
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 25 {
				if got, err := call(context.Background(), sumRequest{A: g, B: i}); err != nil || got.V != g+i {
					t.Errorf("sum(%d, %d) = %v, %v", g, i, got, err)
					return
				}
			}
		}()
	}
	wg.Wait()
}
