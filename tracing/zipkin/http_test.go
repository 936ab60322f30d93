package zipkin_test

import (
	"context"
	"testing"

	"github.com/endpointkit/kit/internal/otelcoltest"
)

// TestHTTPTree: client endpoint span -> client span -> server span ->
// endpoint span, reported with zipkin-go's HTTP reporter to a real
// collector's Zipkin receiver and read back; then the failure cases.
func TestHTTPTree(t *testing.T) {
	col := otelcoltest.Start(t)
	serverTracer, flushServer := collectorTracer(t, col, "sum-server", false)
	clientTracer, flushClient := collectorTracer(t, col, "sum-client", false)
	call := sumClient(clientTracer, sumServer(t, serverTracer))

	for _, a := range []int{2, -1, -2} {
		resp, err := call(context.Background(), sumRequest{A: a, B: 3})
		if a == 2 && (err != nil || resp.(sumResponse).V != 5) {
			t.Fatalf("call(2, 3) = %v, %v; want 5, nil", resp, err)
		}
	}
	flushClient()
	flushServer()
	spans := col.WaitCount(t, 12)

	roots := spans.Named("client.sum")
	if len(roots) != 3 {
		t.Fatalf("%d client.sum spans, want 3:\n%s", len(roots), spans)
	}
	for _, root := range roots {
		tr := spans.Trace(root.TraceID)
		// (The Zipkin model lower-cases span names.)
		client, server, ep := tr.Find(t, "post"), tr.Find(t, "post /sum"), tr.Find(t, "sum")
		wantParent(t, client, root)
		wantParent(t, server, client)
		wantParent(t, ep, server)
		if root.ParentSpanID != "" || client.Kind != otelcoltest.KindClient || server.Kind != otelcoltest.KindServer {
			t.Errorf("root parent %q, client kind %v, server kind %v", root.ParentSpanID, client.Kind, server.Kind)
		}
		if client.Service != "sum-client" || server.Service != "sum-server" {
			t.Errorf("services: client %q server %q", client.Service, server.Service)
		}
		wantAttrs(t, server, map[string]string{"http.method": "POST", "http.path": "/sum", "http.route": "/sum"})
		switch ep.Attrs["kit.outcome"] {
		case "success":
			wantAttrs(t, server, map[string]string{"http.status_code": "200"})
			wantStatus(t, server, otelcoltest.StatusUnset)
			wantStatus(t, ep, otelcoltest.StatusUnset)
		case "business_error":
			wantAttrs(t, root, map[string]string{"kit.outcome": "business_error"})
			wantStatus(t, ep, otelcoltest.StatusUnset)
			wantStatus(t, root, otelcoltest.StatusUnset)
			wantStatus(t, client, otelcoltest.StatusUnset)
		case "dependency_failure":
			wantAttrs(t, server, map[string]string{"http.status_code": "500"})
			wantAttrs(t, client, map[string]string{"http.status_code": "500"})
			for _, s := range []otelcoltest.Span{root, client, server, ep} {
				wantStatus(t, s, otelcoltest.StatusError)
			}
		default:
			t.Errorf("endpoint span kit.outcome = %q", ep.Attrs["kit.outcome"])
		}
	}
}

// TestHTTPSharedSpans: with zipkin-go's default shared spans, the server
// joins the client's span: one span id, reported by both sides.
func TestHTTPSharedSpans(t *testing.T) {
	col := otelcoltest.Start(t)
	serverTracer, flushServer := collectorTracer(t, col, "sum-server", true)
	clientTracer, flushClient := collectorTracer(t, col, "sum-client", true)
	if _, err := sumClient(clientTracer, sumServer(t, serverTracer))(context.Background(), sumRequest{A: 1}); err != nil {
		t.Fatal(err)
	}
	flushClient()
	flushServer()
	spans := col.WaitCount(t, 4)
	client, server := spans.Find(t, "post"), spans.Find(t, "post /sum")
	if client.SpanID != server.SpanID || client.TraceID != server.TraceID {
		t.Errorf("shared span: client %s/%s, server %s/%s; want one id", client.TraceID, client.SpanID, server.TraceID, server.SpanID)
	}
	wantParent(t, spans.Find(t, "sum"), server)
}
