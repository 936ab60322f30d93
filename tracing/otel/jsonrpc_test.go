package otel_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/endpointkit/kit/internal/otelcoltest"
	"github.com/endpointkit/kit/tracing/otel"
	"github.com/endpointkit/kit/transport/http/jsonrpc"
)

// TestJSONRPCTree: a JSON-RPC call's client span (named after the method)
// -> the server's HTTP span -> the method's endpoint span, read back from a
// real collector; then a call of a method the server does not have.
func TestJSONRPCTree(t *testing.T) {
	col := otelcoltest.Start(t)
	serverTP := collectorProvider(t, col, "rpc-server")
	clientTP := collectorProvider(t, col, "rpc-client")

	mux := http.NewServeMux()
	mux.Handle("POST /rpc", jsonrpc.NewServer(jsonrpc.EndpointCodecMap{
		"sum": {Endpoint: otel.TraceEndpoint(serverTP, "sum")(sum),
			Decode: jsonrpc.DecodeParams[sumRequest], Encode: jsonrpc.EncodeResult},
	}, otel.JSONRPCServerTrace(serverTP)))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	u, _ := url.Parse(srv.URL + "/rpc")

	call := jsonrpc.NewClient(u, "sum", otel.JSONRPCClientTrace(clientTP, "sum")).Endpoint()
	res, err := call(context.Background(), sumRequest{A: 1, B: 2})
	if err != nil {
		t.Fatalf("sum(1, 2): %v", err)
	}
	var got sumResponse
	if err := json.Unmarshal(res.(json.RawMessage), &got); err != nil || got.V != 3 {
		t.Fatalf("sum(1, 2) = %s, %v; want v=3", res, err)
	}
	missing := jsonrpc.NewClient(u, "nope", otel.JSONRPCClientTrace(clientTP, "nope")).Endpoint()
	if _, err := missing(context.Background(), nil); err == nil {
		t.Fatalf("nope(): no error, want method not found")
	}
	flush(t, clientTP, serverTP)
	spans := col.WaitCount(t, 5)

	var client, ep otelcoltest.Span
	for _, s := range spans.Named("sum") {
		if s.Kind == otelcoltest.KindClient {
			client = s
		} else {
			ep = s
		}
	}
	server := spans.Trace(client.TraceID).Find(t, "POST /rpc")
	wantParent(t, server, client)
	wantParent(t, ep, server)
	wantAttrs(t, client, map[string]string{"rpc.system.name": "jsonrpc", "rpc.method": "sum", "http.response.status_code": "200"})
	wantAttrs(t, server, map[string]string{"rpc.system.name": "jsonrpc", "http.route": "/rpc", "http.response.status_code": "200"})
	wantAttrs(t, ep, map[string]string{"kit.outcome": "success"})
	wantStatus(t, client, otelcoltest.StatusUnset)

	nope := spans.Find(t, "nope")
	wantAttrs(t, nope, map[string]string{"rpc.response.status_code": "-32601", "error.type": "-32601"})
	wantStatus(t, nope, otelcoltest.StatusError)
	nopeServer := spans.Trace(nope.TraceID).Find(t, "POST /rpc")
	wantParent(t, nopeServer, nope)
	wantAttrs(t, nopeServer, map[string]string{"http.response.status_code": "404"})
	wantStatus(t, nopeServer, otelcoltest.StatusUnset) // the caller's mistake
}
