package http_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	kithttp "github.com/endpointkit/kit/transport/http"
)

// post sends body to url with the given headers and returns status and body.
func post(t *testing.T, client *http.Client, url, body string, header map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("POST", url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return resp.StatusCode, string(b)
}

func TestServerStatusMapping(t *testing.T) {
	var mu sync.Mutex
	var handled []error
	srv := newSumServer(t,
		kithttp.ServerMaxBodyBytes(1024),
		kithttp.ServerErrorHandler(kithttp.ErrorHandlerFunc(func(_ context.Context, err error) {
			mu.Lock()
			handled = append(handled, err)
			mu.Unlock()
		})))
	jsonCT := map[string]string{"Content-Type": "application/json"}
	for _, tc := range []struct {
		name     string
		body     string
		header   map[string]string
		wantCode int
		wantBody string // substring
		wantErr  error  // errors.Is against what the ErrorHandler saw
	}{
		{"ok", `{"a":1,"b":2}`, jsonCT, 200, `{"v":3}`, nil},
		{"ok without content type", `{"a":1,"b":2}`, nil, 200, `{"v":3}`, nil},
		{"ok +json content type", `{"a":1,"b":2}`, map[string]string{"Content-Type": "application/vnd.x+json; charset=utf-8"}, 200, `{"v":3}`, nil},
		{"malformed json", `{"a":1,`, jsonCT, 400, `"error":`, nil},
		{"truncated json", `{"a":1,"b"`, jsonCT, 400, `unexpected end of JSON input`, nil},
		{"wrong types", `{"a":"one","b":2}`, jsonCT, 400, `field \"a\": want an integer, got string`, nil},
		{"wrong nested type", `[1]`, jsonCT, 400, `want an object, got array`, nil},
		{"null body", `null`, jsonCT, 400, `null`, nil},
		{"empty body", ``, jsonCT, 400, `empty body`, nil},
		{"trailing garbage", `{"a":1,"b":2} x`, jsonCT, 400, `"error":`, nil},
		{"two values", `{"a":1,"b":2}{"a":1}`, jsonCT, 400, `after top-level value`, nil},
		{"wrong content type", `a=1&b=2`, map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, 415, `unsupported media type`, kithttp.ErrUnsupportedMediaType},
		{"oversized body", `{"a":1,"b":2,"pad":"` + strings.Repeat("x", 2000) + `"}`, jsonCT, 413, `too large`, kithttp.ErrBodyTooLarge},
		{"endpoint error with status", `{"a":418}`, jsonCT, 418, `{"error":"short and stout"}`, errTeapot{}},
		{"plain endpoint error", `{"a":500}`, jsonCT, 500, `{"error":"Internal Server Error"}`, nil},
		{"panic", `{"a":666}`, jsonCT, 500, `{"error":"internal server error"}`, nil},
		{"spent budget", `{"a":1}`, map[string]string{kithttp.TimeoutHeader: "0"}, 504, `deadline exceeded`, kithttp.ErrDeadlineExceeded},
		{"malformed budget", `{"a":1}`, map[string]string{kithttp.TimeoutHeader: "soon"}, 400, `malformed`, kithttp.ErrBadTimeout},
		{"budget runs out in endpoint", `{"a":999}`, map[string]string{kithttp.TimeoutHeader: "20"}, 504, `deadline exceeded`, context.DeadlineExceeded},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mu.Lock()
			handled = nil
			mu.Unlock()
			code, body := post(t, srv.Client(), srv.URL+"/sum", tc.body, tc.header)
			if code != tc.wantCode || !strings.Contains(body, tc.wantBody) {
				t.Errorf("POST /sum %q: got %d %q, want %d containing %q", tc.body, code, body, tc.wantCode, tc.wantBody)
			}
			if code != 200 {
				var eb map[string]any
				if err := json.Unmarshal([]byte(body), &eb); err != nil {
					t.Errorf("error body %q is not JSON: %v", body, err)
				}
				// What a client sees names no Go type, says one thing once,
				// and hides internal errors' text.
				for _, leak := range []string{"Go ", "sumRequest", `\n`, "boom"} {
					if strings.Contains(body, leak) {
						t.Errorf("error body %q contains %q", body, leak)
					}
				}
			}
			mu.Lock()
			got := handled
			mu.Unlock()
			if tc.wantCode == 200 && len(got) != 0 {
				t.Errorf("ErrorHandler saw %v for a good request", got)
			}
			if tc.wantCode != 200 && len(got) != 1 {
				t.Errorf("ErrorHandler saw %d errors, want 1", len(got))
			}
			if tc.wantErr != nil && (len(got) != 1 || !errors.Is(got[0], tc.wantErr)) {
				t.Errorf("ErrorHandler saw %v, want an error wrapping %v", got, tc.wantErr)
			}
			// Every bad request is followed by a good one: the server is fine.
			code, body = post(t, srv.Client(), srv.URL+"/sum", `{"a":20,"b":22}`, jsonCT)
			if code != 200 || !strings.Contains(body, `{"v":42}`) {
				t.Errorf("good request after %s: got %d %q, want 200 {\"v\":42}", tc.name, code, body)
			}
		})
	}
}

// TestVerboseErrorEncoder checks the opt-in that sends internal errors'
// text, for development.
func TestVerboseErrorEncoder(t *testing.T) {
	var logged error
	srv := newSumServer(t, kithttp.ServerErrorEncoder(kithttp.VerboseErrorEncoder),
		kithttp.ServerErrorHandler(kithttp.ErrorHandlerFunc(func(_ context.Context, err error) { logged = err })))
	if code, body := post(t, srv.Client(), srv.URL+"/sum", `{"a":500}`, nil); code != 500 || !strings.Contains(body, `{"error":"boom"}`) {
		t.Errorf("POST /sum with VerboseErrorEncoder: got %d %q, want 500 {\"error\":\"boom\"}", code, body)
	}
	if logged == nil || logged.Error() != "boom" {
		t.Errorf("ErrorHandler saw %v, want boom", logged)
	}
}

func TestServerPanicReported(t *testing.T) {
	errc := make(chan error, 1)
	srv := newSumServer(t, kithttp.ServerErrorHandler(kithttp.ErrorHandlerFunc(func(_ context.Context, err error) { errc <- err })))
	code, body := post(t, srv.Client(), srv.URL+"/sum", `{"a":666}`, nil)
	if code != 500 || strings.Contains(body, "devil") {
		t.Errorf("panic: got %d %q, want 500 without the panic value", code, body)
	}
	var pe *kithttp.PanicError
	if err := <-errc; !errors.As(err, &pe) || pe.Value != "the devil" || !strings.Contains(string(pe.Stack), "sum") {
		t.Errorf("ErrorHandler got %v, want *PanicError with value and stack", err)
	}
}

func TestServerHeadersAndFinalizer(t *testing.T) {
	type final struct {
		code int
		size int64
		ct   string
	}
	finals := make(chan final, 1)
	srv := newSumServer(t,
		kithttp.ServerBefore(kithttp.PopulateRequestContext),
		kithttp.ServerAfter(func(ctx context.Context, w http.ResponseWriter) context.Context {
			ri, ok := kithttp.RequestInfoFromContext(ctx)
			if ok {
				w.Header().Set("X-Seen-Path", ri.Path)
				w.Header().Set("X-Seen-Method", ri.Method)
			}
			return ctx
		}),
		kithttp.ServerFinalizer(func(ctx context.Context, code int, _ *http.Request) {
			finals <- final{code, kithttp.ResponseSize(ctx), kithttp.ResponseHeader(ctx).Get("Content-Type")}
		}))

	resp, err := srv.Client().Post(srv.URL+"/sum", "application/json", strings.NewReader(`{"a":1,"b":1}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if got := resp.Header.Get("X-Seen-Path") + " " + resp.Header.Get("X-Seen-Method"); got != "/sum POST" {
		t.Errorf("ServerAfter saw %q, want \"/sum POST\"", got)
	}
	f := <-finals
	if f.code != 200 || f.size != int64(len(body)) || !strings.HasPrefix(f.ct, "application/json") {
		t.Errorf("finalizer got %+v, want code 200, size %d, JSON content type", f, len(body))
	}

	// An error response is finalized too, with its status.
	resp, err = srv.Client().Post(srv.URL+"/sum", "application/json", strings.NewReader(`{"a":418}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("X-Teapot") != "yes" {
		t.Errorf("error headers: X-Teapot = %q, want yes", resp.Header.Get("X-Teapot"))
	}
	if f := <-finals; f.code != http.StatusTeapot {
		t.Errorf("finalizer after error got code %d, want 418", f.code)
	}
}

func TestServerRefusesSpentBudgetWithoutRunningEndpoint(t *testing.T) {
	called := false
	h := kithttp.NewServer(func(context.Context, any) (any, error) {
		called = true
		return nil, nil
	}, func(ctx context.Context, r *http.Request) (any, error) {
		<-ctx.Done() // the budget runs out while "reading" the request
		return nil, nil
	}, kithttp.EncodeJSONResponse)
	mux := http.NewServeMux()
	mux.Handle("/", h)
	code, _ := postHandler(t, mux, map[string]string{kithttp.TimeoutHeader: "1"})
	if code != http.StatusGatewayTimeout || called {
		t.Errorf("spent budget: got %d, endpoint called %v; want 504 and not called", code, called)
	}
}

// postHandler serves one request in process.
func postHandler(t *testing.T, h http.Handler, header map[string]string) (int, string) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return post(t, srv.Client(), srv.URL, `{}`, header)
}

func TestServerConcurrent(t *testing.T) {
	srv := newSumServer(t)
	call := sumClient(t, srv)
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				resp, err := call(context.Background(), sumRequest{A: g, B: i})
				if err != nil || resp.V != g+i {
					t.Errorf("sum(%d, %d) = %v, %v; want %d", g, i, resp.V, err, g+i)
					return
				}
			}
		}()
	}
	wg.Wait()
}
