package jsonrpc_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	kithttp "github.com/endpointkit/kit/transport/http"
	"github.com/endpointkit/kit/transport/http/jsonrpc"
)

func TestDeadlinePropagation(t *testing.T) {
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
	}))
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	e := jsonrpc.NewClient(u, "budget", jsonrpc.SetClient(srv.Client())).Endpoint()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := e(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if b := <-budgets; b <= 4*time.Second || b > 5*time.Second {
		t.Errorf("server saw a budget of %v, want a little under 5s", b)
	}

	// A spent budget is refused without running the method.
	req, _ := http.NewRequest("POST", srv.URL, strings.NewReader(`{"jsonrpc":"2.0","method":"budget","id":1}`))
	req.Header.Set(kithttp.TimeoutHeader, "0")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var r jsonrpc.Response
	err = json.NewDecoder(resp.Body).Decode(&r)
	resp.Body.Close()
	if resp.StatusCode != http.StatusGatewayTimeout || len(budgets) != 0 {
		t.Errorf("spent budget: status %d, method ran %d times; want 504 and 0", resp.StatusCode, len(budgets))
	}
	// Not InvalidRequest: the request was fine, its time ran out.
	if err != nil || r.Error == nil || r.Error.Code != jsonrpc.DeadlineExceeded {
		t.Errorf("spent budget: response %+v (decode err %v), want error code DeadlineExceeded (%d)", r.Error, err, jsonrpc.DeadlineExceeded)
	}

	// A method that runs out of its caller's time answers the same.
	slow := httptest.NewServer(jsonrpc.NewServer(jsonrpc.EndpointCodecMap{
		"slow": {Endpoint: func(ctx context.Context, _ any) (any, error) { <-ctx.Done(); return nil, ctx.Err() },
			Decode: jsonrpc.DecodeParams[json.RawMessage], Encode: jsonrpc.EncodeResult},
	}))
	t.Cleanup(slow.Close)
	req, _ = http.NewRequest("POST", slow.URL, strings.NewReader(`{"jsonrpc":"2.0","method":"slow","id":1}`))
	req.Header.Set(kithttp.TimeoutHeader, "10")
	resp, err = slow.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r = jsonrpc.Response{}
	err = json.NewDecoder(resp.Body).Decode(&r)
	resp.Body.Close()
	if resp.StatusCode != http.StatusGatewayTimeout || err != nil || r.Error == nil || r.Error.Code != jsonrpc.DeadlineExceeded {
		t.Errorf("method past its deadline: status %d, error %+v (decode err %v); want 504 and DeadlineExceeded", resp.StatusCode, r.Error, err)
	}
}
