package jsonrpc_test

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	kithttp "github.com/endpointkit/kit/transport/http"
	"github.com/endpointkit/kit/transport/http/jsonrpc"
)

func TestServerHooks(t *testing.T) {
	var notified atomic.Int32
	codes := make(chan int, 1)
	srv := newServer(t, &notified,
		jsonrpc.ServerBefore(kithttp.PopulateRequestContext),
		jsonrpc.ServerAfter(func(ctx context.Context, w http.ResponseWriter) context.Context {
			if ri, ok := kithttp.RequestInfoFromContext(ctx); ok {
				w.Header().Set("X-Seen-Method", ri.Method)
			}
			return ctx
		}),
		jsonrpc.ServerFinalizer(func(_ context.Context, code int, _ *http.Request) { codes <- code }))

	resp, err := srv.Client().Post(srv.URL, "application/json",
		strings.NewReader(`{"jsonrpc":"2.0","method":"nope","id":1}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("X-Seen-Method"); got != "POST" {
		t.Errorf("ServerAfter saw method %q, want POST (from ServerBefore)", got)
	}
	if code := <-codes; code != http.StatusNotFound || resp.StatusCode != http.StatusNotFound {
		t.Errorf("finalizer saw %d, client %d; want 404 for both", code, resp.StatusCode)
	}
}
