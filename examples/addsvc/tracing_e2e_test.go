package addsvc_test

import (
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/endpointkit/kit/internal/otelcoltest"
	"github.com/endpointkit/kit/internal/testenv"
)

// TestTracingEndToEnd runs the real addsvc and addcli with -otlp-endpoint
// and -zipkin-url pointing at a real collector, makes one addcli sum call
// over each transport (through addcli's discovery, balancer and retry),
// stops addsvc (which flushes its spans) and reads back, for each call and
// each tracer, the tree
//
//	addcli.sum (addcli)
//	└─ attempt (addcli; kit.retry.attempt=1, kit.retry.instance)
//	   └─ client span (addcli)
//	      └─ server span (addsvc)
//	         └─ sum (addsvc's endpoint span)
func TestTracingEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs binaries; skipped in -short mode")
	}
	col := otelcoltest.Start(t)
	addsvcBin, addcli := build(t)
	// addsvc samples none of its own traces (the default): every span it
	// records continues a trace addcli sampled.
	p := start(t, addsvcBin, "-otlp-endpoint", col.OTLPHTTP, "-zipkin-url", col.ZipkinURL)

	// The client and server span names of each transport (Zipkin's arrive
	// in lower case).
	names := map[string][2]string{
		"http":    {"POST", "POST /sum"},
		"jsonrpc": {"sum", "POST"},
		"grpc":    {"addsvc.Add/Sum", "addsvc.Add/Sum"},
		"thrift":  {"Sum", "Sum"},
	}
	for _, transport := range []string{"http", "jsonrpc", "grpc", "thrift"} {
		out, code := run(t, addcli, "-transport", transport, "-addr", p.addr(transport),
			"-otlp-endpoint", col.OTLPHTTP, "-zipkin-url", col.ZipkinURL, "-trace-sample", "1", "20", "22")
		if code != 0 || out != "42" {
			t.Fatalf("addcli -transport %s 20 22: exit %d %q", transport, code, out)
		}
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		t.Fatalf("addsvc still running 30s after SIGTERM:\n%s", p.log())
	}
	if err := p.cmd.Wait(); err != nil {
		t.Fatalf("addsvc: %v\n%s", err, p.log())
	}

	// 4 transports x 2 tracers x 5 spans.
	spans := col.WaitCount(t, 40)
	var roots otelcoltest.Spans
	for _, s := range spans.Named("addcli.sum") {
		if s.ParentSpanID == "" {
			roots = append(roots, s)
		}
	}
	if len(roots) != 8 {
		t.Fatalf("%d root spans addcli.sum, want 8 (4 transports, 2 tracers); spans:\n%s", len(roots), spans)
	}
	seen := map[string]int{}
	for _, root := range roots {
		tr := spans.Trace(root.TraceID)
		if len(tr) != 5 {
			t.Errorf("trace of %v has %d spans, want 5:\n%s", root, len(tr), tr)
			continue
		}
		attempt := only(t, tr.Children(root))
		client := only(t, tr.Children(attempt))
		server := only(t, tr.Children(client))
		ep := only(t, tr.Children(server))
		transport := ""
		for tp, n := range names {
			if strings.EqualFold(client.Name, n[0]) && strings.EqualFold(server.Name, n[1]) {
				transport = tp
			}
		}
		if transport == "" {
			t.Errorf("client span %q and server span %q match no transport", client.Name, server.Name)
			continue
		}
		seen[transport]++
		if attempt.Name != "attempt" || attempt.Service != "addcli" || attempt.Attrs["kit.retry.attempt"] != "1" ||
			attempt.Attrs["kit.retry.instance"] != p.addr(transport) {
			t.Errorf("%s: attempt span %v, want attempt 1 on instance %s", transport, attempt, p.addr(transport))
		}
		if root.Service != "addcli" || client.Service != "addcli" || server.Service != "addsvc" || ep.Service != "addsvc" {
			t.Errorf("%s: services %s, %s, %s, %s, want addcli, addcli, addsvc, addsvc",
				transport, root.Service, client.Service, server.Service, ep.Service)
		}
		if client.Kind != otelcoltest.KindClient || server.Kind != otelcoltest.KindServer {
			t.Errorf("%s: kinds %v, %v, want client, server", transport, client.Kind, server.Kind)
		}
		if ep.Name != "sum" || ep.Attrs["kit.outcome"] != "success" {
			t.Errorf("%s: endpoint span %v, want sum with kit.outcome=success", transport, ep)
		}
		for _, s := range tr {
			if s.Status.Code == otelcoltest.StatusError {
				t.Errorf("%s: span %v is an error", transport, s)
			}
		}
	}
	for tp := range names {
		if seen[tp] != 2 {
			t.Errorf("%s: %d trees, want 2 (OpenTelemetry and Zipkin)", tp, seen[tp])
		}
	}
}

// only returns the one span of ss, or fails t.
func only(t *testing.T, ss otelcoltest.Spans) otelcoltest.Span {
	t.Helper()
	if len(ss) != 1 {
		t.Fatalf("want 1 span, got %d:\n%s", len(ss), ss)
	}
	return ss[0]
}

// TestCurlTraceHeaders: curl sends trace context to the real addsvc, run
// with -otlp-endpoint and -zipkin-url and sampling none of its own traces:
// a W3C traceparent (over HTTP and JSON-RPC) is continued by the
// OpenTelemetry server span, B3 in its multiple headers and in its single
// header by the Zipkin server span (addsvc's OpenTelemetry hooks read W3C
// Trace Context, its Zipkin hooks B3, as package addtracing sets them up).
// Each server span, read back from a real collector, is in curl's trace,
// a child of curl's span id, with the endpoint span under it.
func TestCurlTraceHeaders(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs binaries; skipped in -short mode")
	}
	curl := testenv.LookPath(t, "curl")
	col := otelcoltest.Start(t)
	addsvcBin, _ := build(t)
	p := start(t, addsvcBin, "-otlp-endpoint", col.OTLPHTTP, "-zipkin-url", col.ZipkinURL)

	type traced struct {
		name, url, body string
		headers         []string
		trace, parent   string
		service, server string // the tracer's service and server span name
		endpoint        string
	}
	sum, rpc := "http://"+p.addr("http")+"/sum", "http://"+p.addr("jsonrpc")
	rpcBody := `{"jsonrpc":"2.0","method":"concat","params":{"a":"a","b":"b"},"id":1}`
	cases := []traced{
		{"W3C over HTTP", sum, `{"a":1,"b":2}`,
			[]string{"traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
			"4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", "addsvc", "POST /sum", "sum"},
		{"W3C over JSON-RPC", rpc, rpcBody,
			[]string{"traceparent: 00-5bf92f3577b34da6a3ce929d0e0e4736-10f067aa0ba902b7-01"},
			"5bf92f3577b34da6a3ce929d0e0e4736", "10f067aa0ba902b7", "addsvc", "POST", "concat"},
		{"B3 multiple headers over HTTP", sum, `{"a":1,"b":2}`,
			[]string{"X-B3-TraceId: 80f198ee56343ba864fe8b2a57d3eff7", "X-B3-SpanId: e457b5a2e4d86bd1", "X-B3-Sampled: 1"},
			"80f198ee56343ba864fe8b2a57d3eff7", "e457b5a2e4d86bd1", "addsvc", "post /sum", "sum"},
		{"B3 single header over HTTP", sum, `{"a":1,"b":2}`,
			[]string{"b3: 90f198ee56343ba864fe8b2a57d3eff7-f457b5a2e4d86bd1-1"},
			"90f198ee56343ba864fe8b2a57d3eff7", "f457b5a2e4d86bd1", "addsvc", "post /sum", "sum"},
	}
	for _, tc := range cases {
		args := []string{"-sS", "--fail", "--max-time", "10", "-H", "Content-Type: application/json", "-d", tc.body}
		for _, h := range tc.headers {
			args = append(args, "-H", h)
		}
		if out, code := run(t, curl, append(args, tc.url)...); code != 0 {
			t.Fatalf("curl with %s: exit %d, %q", tc.name, code, out)
		}
	}
	// SIGTERM flushes addsvc's spans.
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		t.Fatalf("addsvc still running 30s after SIGTERM:\n%s", p.log())
	}
	if err := p.cmd.Wait(); err != nil {
		t.Fatalf("addsvc: %v\n%s", err, p.log())
	}
	// Two spans (server, endpoint) per case.
	spans := col.Wait(t, func(s otelcoltest.Spans) bool {
		for _, tc := range cases {
			if len(s.Trace(tc.trace)) < 2 {
				return false
			}
		}
		return true
	})
	for _, tc := range cases {
		tr := spans.Trace(tc.trace)
		if len(tr) != 2 {
			t.Errorf("%s: trace %s has %d spans, want 2 (server, endpoint):\n%s", tc.name, tc.trace, len(tr), tr)
			continue
		}
		var server otelcoltest.Span
		for _, s := range tr {
			if s.ParentSpanID == tc.parent {
				server = s
			}
		}
		if server.SpanID == "" {
			t.Errorf("%s: no span whose parent is curl's %s:\n%s", tc.name, tc.parent, tr)
			continue
		}
		if !strings.EqualFold(server.Name, tc.server) || server.Kind != otelcoltest.KindServer || server.Service != tc.service {
			t.Errorf("%s: server span %v, want %s %q of kind server", tc.name, server, tc.service, tc.server)
		}
		if ep := only(t, tr.Children(server)); ep.Name != tc.endpoint {
			t.Errorf("%s: endpoint span %v, want %s", tc.name, ep, tc.endpoint)
		}
	}
}
