package grpc_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"google.golang.org/grpc"

	"github.com/endpointkit/kit/log"
	"github.com/endpointkit/kit/transport"
	kitgrpc "github.com/endpointkit/kit/transport/grpc"
)

// TestErrorLinesNameTheCall checks that each error the Server reports names
// the transport, the method, the code sent and the peer, at warn for a
// request that does not decode and at error for the service's failures.
func TestErrorLinesNameTheCall(t *testing.T) {
	var buf bytes.Buffer
	lines := make(chan map[string]any, 1)
	h := kitgrpc.LogErrorHandler(log.NewJSONLogger(&buf))
	conn := serve(t, []grpc.ServerOption{grpc.ChainUnaryInterceptor(kitgrpc.Interceptor)},
		kitgrpc.ServerErrorHandler(transport.ErrorHandlerFunc(func(ctx context.Context, err error) {
			buf.Reset()
			h.Handle(ctx, err)
			var m map[string]any
			_ = json.Unmarshal(buf.Bytes(), &m)
			lines <- m
		})))
	call := upperClient(conn)
	for _, tc := range []struct{ in, status, level string }{
		{"bad", "InvalidArgument", "warn"},
		{"plain", "Unknown", "error"},
		{"panic", "Internal", "error"},
	} {
		if _, err := call(context.Background(), tc.in); err == nil {
			t.Fatalf("%s: no error", tc.in)
		}
		m := <-lines
		peer, _ := m["peer"].(string)
		if m["transport"] != "grpc" || m["route"] != "/test.Echo/Upper" || m["status"] != tc.status ||
			!strings.HasPrefix(peer, "127.0.0.1:") || m["level"] != tc.level {
			t.Errorf("%s: logged %v; want transport=grpc route=/test.Echo/Upper status=%s peer=127.0.0.1:* level=%s",
				tc.in, m, tc.status, tc.level)
		}
	}
}
