package jsonrpc_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/endpointkit/kit/log"
	"github.com/endpointkit/kit/transport"
	kithttp "github.com/endpointkit/kit/transport/http"
	"github.com/endpointkit/kit/transport/http/jsonrpc"
)

// TestFinalizerSeesResponse checks that the finalizer's context reports the
// size and header of the response sent, as kithttp.ServerFinalizerFunc
// promises (ResponseSize used to be -1 for JSON-RPC), and holds what
// ServerBefore put in it.
func TestFinalizerSeesResponse(t *testing.T) {
	type seen struct {
		code int
		size int64
		ct   string
		info bool
	}
	got := make(chan seen, 1)
	var notified atomic.Int32
	srv := newServer(t, &notified, jsonrpc.ServerBefore(kithttp.PopulateRequestContext),
		jsonrpc.ServerFinalizer(func(ctx context.Context, code int, _ *http.Request) {
			_, info := kithttp.RequestInfoFromContext(ctx)
			got <- seen{code, kithttp.ResponseSize(ctx), kithttp.ResponseHeader(ctx).Get("Content-Type"), info}
		}))
	for _, tc := range []struct {
		body string
		code int
	}{
		{`{"jsonrpc":"2.0","method":"sum","params":{"a":1,"b":2},"id":1}`, http.StatusOK},
		{`{"jsonrpc":"2.0","method":"nope","id":1}`, http.StatusNotFound},
		{`{"jsonrpc":"2.0","method":"notify"}`, http.StatusNoContent},
	} {
		resp, err := srv.Client().Post(srv.URL, "application/json", strings.NewReader(tc.body))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		s := <-got
		if s.code != tc.code || s.size != int64(len(body)) {
			t.Errorf("%s: finalizer saw status %d, size %d; client got %d with %d bytes", tc.body, s.code, s.size, resp.StatusCode, len(body))
		}
		if !s.info {
			t.Errorf("%s: the finalizer's context lacks what ServerBefore put in it", tc.body)
		}
		if len(body) > 0 && !strings.HasPrefix(s.ct, "application/json") {
			t.Errorf("%s: finalizer saw Content-Type %q", tc.body, s.ct)
		}
	}
}

// TestErrorLinesNameTheCall checks that each error the Server reports names
// the transport, the JSON-RPC method (or the path, when there is none), the
// HTTP status of the call and the peer, at warn for the caller's errors and
// error for the service's.
func TestErrorLinesNameTheCall(t *testing.T) {
	var buf bytes.Buffer
	lines := make(chan map[string]any, 1)
	h := transport.NewLogErrorHandler(log.NewJSONLogger(&buf))
	var notified atomic.Int32
	srv := newServer(t, &notified, jsonrpc.ServerErrorHandler(transport.ErrorHandlerFunc(func(ctx context.Context, err error) {
		buf.Reset()
		h.Handle(ctx, err)
		var m map[string]any
		_ = json.Unmarshal(buf.Bytes(), &m)
		lines <- m
	})))
	for _, tc := range []struct {
		body, route, level string
		status             float64
	}{
		{`{"jsonrpc":"2.0","method":"sum","params":"x","id":1}`, "POST /", "warn", 400},
		{`{"jsonrpc":"2.0","method":"sum","params":{"a":"x"},"id":1}`, "sum", "warn", 400},
		{`{"jsonrpc":"2.0","method":"nope","id":1}`, "nope", "warn", 404},
		{`{"jsonrpc":"2.0","method":"sum","params":{"a":500},"id":1}`, "sum", "error", 500},
		{`{"jsonrpc":"2.0","method":"sum","params":{"a":666},"id":1}`, "sum", "error", 500},
	} {
		resp, err := srv.Client().Post(srv.URL, "application/json", strings.NewReader(tc.body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		m := <-lines
		peer, _ := m["peer"].(string)
		if m["transport"] != "jsonrpc" || m["route"] != tc.route || m["status"] != tc.status ||
			!strings.HasPrefix(peer, "127.0.0.1:") || m["level"] != tc.level {
			t.Errorf("%s: logged %v; want transport=jsonrpc route=%q status=%v peer=127.0.0.1:* level=%s",
				tc.body, m, tc.route, tc.status, tc.level)
		}
	}
}
