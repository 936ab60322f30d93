package http_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/endpointkit/kit/endpoint"
	kithttp "github.com/endpointkit/kit/transport/http"
)

func TestClientErrors(t *testing.T) {
	srv := newSumServer(t)
	call := sumClient(t, srv)
	for _, tc := range []struct {
		name     string
		req      sumRequest
		wantCode int
		wantMsg  string
	}{
		{"status from error", sumRequest{A: 418}, http.StatusTeapot, "short and stout"},
		{"plain error", sumRequest{A: 500}, 500, "Internal Server Error"},
		{"panic", sumRequest{A: 666}, 500, "internal server error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := call(context.Background(), tc.req)
			var re *kithttp.ResponseError
			if !errors.As(err, &re) || re.Code != tc.wantCode || re.Message != tc.wantMsg {
				t.Fatalf("call(%+v): err = %v, want *ResponseError %d %q", tc.req, err, tc.wantCode, tc.wantMsg)
			}
			if !strings.Contains(err.Error(), strconv.Itoa(tc.wantCode)) {
				t.Errorf("error %q does not name the status %d", err, tc.wantCode)
			}
			if resp, err := call(context.Background(), sumRequest{A: 1, B: 2}); err != nil || resp.V != 3 {
				t.Errorf("good call after %s: %v, %v; want 3", tc.name, resp, err)
			}
		})
	}

	// A non-JSON error page (the mux's 404) still becomes a ResponseError.
	c := kithttp.NewClient("POST", mustURL(t, srv.URL+"/nowhere"), kithttp.EncodeJSONRequest,
		kithttp.DecodeJSONResponse[sumResponse], kithttp.SetClient(srv.Client()))
	_, err := c.Endpoint()(context.Background(), sumRequest{})
	var re *kithttp.ResponseError
	if !errors.As(err, &re) || re.Code != 404 || !strings.Contains(string(re.Body), "not found") {
		t.Errorf("unknown path: err = %v, want *ResponseError 404 with the body", err)
	}
}

func TestClientDeadlinePropagation(t *testing.T) {
	budgets := make(chan time.Duration, 1)
	h := kithttp.NewServer(func(ctx context.Context, _ any) (any, error) {
		d, ok := ctx.Deadline()
		if !ok {
			budgets <- -1
		} else {
			budgets <- time.Until(d)
		}
		return struct{}{}, nil
	}, kithttp.DecodeJSONRequest[struct{}], kithttp.EncodeJSONResponse)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	e := kithttp.NewClient("POST", mustURL(t, srv.URL), kithttp.EncodeJSONRequest,
		kithttp.DecodeJSONResponse[struct{}], kithttp.SetClient(srv.Client())).Endpoint()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := e(ctx, struct{}{}); err != nil {
		t.Fatal(err)
	}
	if b := <-budgets; b <= 4*time.Second || b > 5*time.Second {
		t.Errorf("server saw a budget of %v, want a little under 5s", b)
	}
	if _, err := e(context.Background(), struct{}{}); err != nil {
		t.Fatal(err)
	}
	if b := <-budgets; b != -1 {
		t.Errorf("server saw a budget of %v without a client deadline, want none", b)
	}
}

func TestClientCancellation(t *testing.T) {
	srv := newSumServer(t)
	call := sumClient(t, srv, kithttp.ClientNoTimeoutHeader())
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := call(ctx, sumRequest{A: 999}) // waits for its context on the server
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("call with deadline: err = %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("call took %v after its deadline", d)
	}
	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	if _, err := call(ctx, sumRequest{A: 1}); !errors.Is(err, context.Canceled) {
		t.Errorf("call with canceled context: err = %v, want context.Canceled", err)
	}
}

func TestClientReusesConnections(t *testing.T) {
	var conns atomic.Int32
	mux := http.NewServeMux()
	mux.Handle("POST /sum", kithttp.NewServer(endpoint.FromFunc(sum),
		kithttp.DecodeJSONRequest[sumRequest], kithttp.EncodeJSONResponse))
	srv := httptest.NewUnstartedServer(mux)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	call := sumClient(t, srv)
	for i := range 20 {
		// Errors too: their bodies must be drained for the connection to
		// be reused.
		_, _ = call(context.Background(), sumRequest{A: 418 * (i % 2), B: i})
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("20 sequential calls opened %d connections, want 1", n)
	}
}

func TestClientHooks(t *testing.T) {
	var seen atomic.Value
	mux := http.NewServeMux()
	mux.Handle("POST /sum", kithttp.NewServer(endpoint.FromFunc(sum),
		kithttp.DecodeJSONRequest[sumRequest], kithttp.EncodeJSONResponse,
		kithttp.ServerBefore(func(ctx context.Context, r *http.Request) context.Context {
			seen.Store(r.Header.Get("X-Token"))
			return ctx
		})))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	var afterCode int
	var finalErr error
	finalized := false
	call := sumClient(t, srv,
		kithttp.ClientBefore(kithttp.SetRequestHeader("X-Token", "t0k3n")),
		kithttp.ClientAfter(func(ctx context.Context, r *http.Response) context.Context {
			afterCode = r.StatusCode
			return ctx
		}),
		kithttp.ClientFinalizer(func(_ context.Context, err error) { finalized, finalErr = true, err }))
	if _, err := call(context.Background(), sumRequest{A: 418}); err == nil {
		t.Fatal("call(418): want an error")
	}
	if seen.Load() != "t0k3n" || afterCode != 418 || !finalized || finalErr == nil {
		t.Errorf("hooks: header %v, after code %d, finalized %v with %v; want t0k3n, 418, true with error",
			seen.Load(), afterCode, finalized, finalErr)
	}
}

func TestClientBufferedStream(t *testing.T) {
	payload := strings.Repeat("stream ", 1000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, payload)
	}))
	t.Cleanup(srv.Close)
	e := kithttp.NewClient("GET", mustURL(t, srv.URL), func(context.Context, *http.Request, any) error { return nil },
		func(_ context.Context, r *http.Response) (any, error) { return r.Body, nil },
		kithttp.SetClient(srv.Client()), kithttp.BufferedStream(true)).Endpoint()
	resp, err := e(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	body := resp.(io.ReadCloser)
	defer body.Close()
	b, err := io.ReadAll(body)
	if err != nil || string(b) != payload {
		t.Errorf("buffered stream read %d bytes, %v; want %d", len(b), err, len(payload))
	}
}
