package http_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/endpointkit/kit/endpoint"
	kithttp "github.com/endpointkit/kit/transport/http"
)

// seen is what an endpoint saw of its context.
type seen struct {
	budget time.Duration // -1 without a deadline
	cause  error         // the context's cause once it ended, when waited for
}

// budgetEndpoint reports its context's budget, and with wait it waits for
// the context to end and reports its cause.
func budgetEndpoint(ch chan<- seen, wait bool) endpoint.Endpoint {
	return func(ctx context.Context, _ any) (any, error) {
		s := seen{budget: -1}
		if d, ok := ctx.Deadline(); ok {
			s.budget = time.Until(d)
		}
		if wait {
			<-ctx.Done()
			s.cause = context.Cause(ctx)
		}
		ch <- s
		return map[string]int{"v": 1}, nil
	}
}

// TestServerTimeoutPolicy covers each TimeoutPolicy of the HTTP Server.
func TestServerTimeoutPolicy(t *testing.T) {
	for _, tc := range []struct {
		name       string
		opts       []kithttp.ServerOption
		header     string
		wait       bool
		status     int
		minB, maxB time.Duration // the budget the endpoint sees; -1 for none
		cause      error         // with wait
	}{
		{"default caps a day to 30s", nil, "86400000", false, 200, 29 * time.Second, 30 * time.Second, nil},
		{"default takes 5s as it is", nil, "5000", false, 200, 4 * time.Second, 5 * time.Second, nil},
		{"default: a short budget is the caller's", nil, "20", true, 200, 0, 20 * time.Millisecond, context.DeadlineExceeded},
		{"default refuses a spent budget", nil, "0", false, 504, 0, 0, nil},
		{"default refuses a malformed header", nil, "soon", false, 400, 0, 0, nil},
		{"no header, no deadline", nil, "", false, 200, -1, -1, nil},
		{"honor takes a day", []kithttp.ServerOption{kithttp.ServerTimeoutPolicy(kithttp.HonorTimeout())}, "86400000", false, 200, 86399 * time.Second, 86400 * time.Second, nil},
		{"cap 50ms: the cap is this hop's", []kithttp.ServerOption{kithttp.ServerTimeoutPolicy(kithttp.CapTimeout(50 * time.Millisecond))}, "10000", true, 200, 0, 50 * time.Millisecond, endpoint.ErrTimeout},
		{"cap 1s: 20ms is the caller's", []kithttp.ServerOption{kithttp.ServerTimeoutPolicy(kithttp.CapTimeout(time.Second))}, "20", true, 200, 0, 20 * time.Millisecond, context.DeadlineExceeded},
		{"ignore", []kithttp.ServerOption{kithttp.ServerTimeoutPolicy(kithttp.IgnoreTimeout())}, "0", false, 200, -1, -1, nil},
		{"deprecated ServerIgnoreTimeoutHeader", []kithttp.ServerOption{kithttp.ServerIgnoreTimeoutHeader()}, "1", false, 200, -1, -1, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ch := make(chan seen, 1)
			srv := httptest.NewServer(kithttp.NewServer(budgetEndpoint(ch, tc.wait),
				func(context.Context, *http.Request) (any, error) { return nil, nil },
				kithttp.EncodeJSONResponse, tc.opts...))
			defer srv.Close()
			req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader("{}"))
			if tc.header != "" {
				req.Header.Set(kithttp.TimeoutHeader, tc.header)
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("%s: %q: status %d, want %d", kithttp.TimeoutHeader, tc.header, resp.StatusCode, tc.status)
			}
			if tc.status != 200 {
				if len(ch) != 0 {
					t.Error("the endpoint ran for a refused request")
				}
				return
			}
			s := <-ch
			if tc.minB < 0 {
				if s.budget != -1 {
					t.Errorf("budget %v, want no deadline", s.budget)
				}
			} else if s.budget < tc.minB || s.budget > tc.maxB {
				t.Errorf("budget %v, want within [%v, %v]", s.budget, tc.minB, tc.maxB)
			}
			if tc.wait && !errors.Is(s.cause, tc.cause) {
				t.Errorf("cause %v, want %v", s.cause, tc.cause)
			}
		})
	}
}

// TestStatusOfClassified checks how the Server answers errors that carry
// an Outcome: Overloaded is 429, CallerError 400, and an explicit status
// still wins.
func TestStatusOfClassified(t *testing.T) {
	shed := endpoint.WithOutcome(errors.New("shed"), endpoint.Outcome{Kind: endpoint.Overloaded, Retryable: true})
	bad := endpoint.WithOutcome(errors.New("no such account"), endpoint.Outcome{Kind: endpoint.CallerError})
	for _, tc := range []struct {
		name string
		err  error
		want int
	}{
		{"overloaded", shed, http.StatusTooManyRequests},
		{"caller error", bad, http.StatusBadRequest},
		{"dependency failure", endpoint.WithOutcome(errors.New("down"), endpoint.Outcome{Kind: endpoint.DependencyFailure}), http.StatusInternalServerError},
		{"explicit status wins", &kithttp.StatusError{Code: http.StatusServiceUnavailable, Err: shed}, http.StatusServiceUnavailable},
		{"a downstream's 404 passes on", &kithttp.ResponseError{Code: 404}, http.StatusNotFound},
	} {
		if got := kithttp.StatusOf(tc.err); got != tc.want {
			t.Errorf("StatusOf(%s) = %d, want %d", tc.name, got, tc.want)
		}
	}
}

// TestResponseErrorClassifies checks that the client's errors for non-2xx
// responses of a real server classify by their status.
func TestResponseErrorClassifies(t *testing.T) {
	var code atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(int(code.Load()))
		io.WriteString(w, `{"error":"nope"}`)
	}))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	e := kithttp.NewClient(http.MethodPost, u, kithttp.EncodeJSONRequest, kithttp.DecodeJSONResponse[map[string]any],
		kithttp.SetClient(srv.Client())).Endpoint()
	for _, tc := range []struct {
		code    int
		want    endpoint.Outcome
		timeout bool
	}{
		{400, endpoint.Outcome{Kind: endpoint.CallerError}, false},
		{404, endpoint.Outcome{Kind: endpoint.CallerError}, false},
		{429, endpoint.Outcome{Kind: endpoint.Overloaded, Retryable: true}, false},
		{500, endpoint.Outcome{Kind: endpoint.DependencyFailure, Retryable: true}, false},
		{503, endpoint.Outcome{Kind: endpoint.DependencyFailure, Retryable: true}, false},
		{504, endpoint.Outcome{Kind: endpoint.DependencyFailure, Retryable: true}, true},
	} {
		code.Store(int32(tc.code))
		_, err := e(context.Background(), map[string]int{})
		var re *kithttp.ResponseError
		if !errors.As(err, &re) || re.StatusCode() != tc.code || re.Timeout() != tc.timeout {
			t.Errorf("status %d: err = %v, want a *ResponseError with StatusCode %d, Timeout %v", tc.code, err, tc.code, tc.timeout)
			continue
		}
		if got := endpoint.Classify(context.Background(), nil, err); got != tc.want {
			t.Errorf("status %d: Classify = %v, want %v", tc.code, got, tc.want)
		}
	}
}
