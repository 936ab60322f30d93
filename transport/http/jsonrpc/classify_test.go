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
	"testing"
	"time"

	"github.com/endpointkit/kit/endpoint"
	kithttp "github.com/endpointkit/kit/transport/http"
	"github.com/endpointkit/kit/transport/http/jsonrpc"
)

// TestServerTimeoutPolicy checks that the JSON-RPC server caps a caller's
// budget by default and can opt out of TimeoutHeader altogether.
func TestServerTimeoutPolicy(t *testing.T) {
	for _, tc := range []struct {
		name       string
		opts       []jsonrpc.ServerOption
		header     string
		status     int
		minB, maxB time.Duration // -1: no deadline
	}{
		{"default caps a day to 30s", nil, "86400000", 200, 29 * time.Second, 30 * time.Second},
		{"default refuses a spent budget", nil, "0", 504, 0, 0},
		{"honor", []jsonrpc.ServerOption{jsonrpc.ServerTimeoutPolicy(kithttp.HonorTimeout())}, "86400000", 200, 86399 * time.Second, 86400 * time.Second},
		{"cap 2s", []jsonrpc.ServerOption{jsonrpc.ServerTimeoutPolicy(kithttp.CapTimeout(2 * time.Second))}, "5000", 200, time.Second, 2 * time.Second},
		{"opt out", []jsonrpc.ServerOption{jsonrpc.ServerTimeoutPolicy(kithttp.IgnoreTimeout())}, "0", 200, -1, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			budgets := make(chan time.Duration, 1)
			budget := func(ctx context.Context, _ any) (any, error) {
				d, ok := ctx.Deadline()
				if !ok {
					budgets <- -1
				} else {
					budgets <- time.Until(d)
				}
				return 0, nil
			}
			srv := httptest.NewServer(jsonrpc.NewServer(jsonrpc.EndpointCodecMap{
				"budget": {Endpoint: budget, Decode: jsonrpc.DecodeParams[json.RawMessage], Encode: jsonrpc.EncodeResult},
			}, tc.opts...))
			defer srv.Close()
			req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(`{"jsonrpc":"2.0","method":"budget","id":1}`))
			req.Header.Set(kithttp.TimeoutHeader, tc.header)
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
			if tc.status != 200 {
				return
			}
			b := <-budgets
			if tc.minB < 0 && b != -1 || tc.minB >= 0 && (b < tc.minB || b > tc.maxB) {
				t.Errorf("budget %v, want within [%v, %v] (-1: none)", b, tc.minB, tc.maxB)
			}
		})
	}
}

// TestErrorsClassify checks both sides: what the server answers for
// classified errors, and how the client's errors classify.
func TestErrorsClassify(t *testing.T) {
	fail := func(err error) endpoint.Endpoint {
		return func(context.Context, any) (any, error) { return nil, err }
	}
	codec := func(e endpoint.Endpoint) jsonrpc.EndpointCodec {
		return jsonrpc.EndpointCodec{Endpoint: e, Decode: jsonrpc.DecodeParams[json.RawMessage], Encode: jsonrpc.EncodeResult}
	}
	srv := httptest.NewServer(jsonrpc.NewServer(jsonrpc.EndpointCodecMap{
		"shed":   codec(fail(endpoint.WithOutcome(errors.New("shed"), endpoint.Outcome{Kind: endpoint.Overloaded, Retryable: true}))),
		"bad":    codec(fail(endpoint.WithOutcome(errors.New("no such account"), endpoint.Outcome{Kind: endpoint.CallerError}))),
		"boom":   codec(fail(errors.New("boom"))),
		"server": codec(fail(&jsonrpc.Error{Code: -32001, Message: "backend down"})),
	}))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	for _, tc := range []struct {
		method string
		code   int
		want   endpoint.Outcome
	}{
		{"shed", jsonrpc.InternalError, endpoint.Outcome{Kind: endpoint.Overloaded, Retryable: true}},
		{"bad", jsonrpc.InvalidParams, endpoint.Outcome{Kind: endpoint.CallerError}},
		{"missing", jsonrpc.MethodNotFound, endpoint.Outcome{Kind: endpoint.CallerError}},
		{"boom", jsonrpc.InternalError, endpoint.Outcome{Kind: endpoint.DependencyFailure, Retryable: true}},
		{"server", -32001, endpoint.Outcome{Kind: endpoint.DependencyFailure, Retryable: true}},
	} {
		_, err := jsonrpc.NewClient(u, tc.method, jsonrpc.SetClient(srv.Client())).Endpoint()(context.Background(), nil)
		var je *jsonrpc.Error
		if !errors.As(err, &je) || je.Code != tc.code {
			t.Errorf("%s: err = %v, want a *jsonrpc.Error with code %d", tc.method, err, tc.code)
			continue
		}
		if got := endpoint.Classify(context.Background(), nil, err); got != tc.want {
			t.Errorf("%s: Classify(%v) = %v, want %v", tc.method, err, got, tc.want)
		}
	}
	// And the statuses a plain HTTP client sees.
	for method, want := range map[string]int{"shed": 429, "bad": 400, "boom": 500} {
		resp, err := srv.Client().Post(srv.URL, "application/json", strings.NewReader(`{"jsonrpc":"2.0","method":"`+method+`","id":1}`))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("%s: status %d, want %d", method, resp.StatusCode, want)
		}
	}
}
