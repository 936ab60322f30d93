package addtransport_test

import (
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/openzipkin/zipkin-go"
	"github.com/openzipkin/zipkin-go/reporter/recorder"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/endpointkit/kit/examples/addsvc/pkg/addendpoint"
	"github.com/endpointkit/kit/examples/addsvc/pkg/addservice"
	"github.com/endpointkit/kit/examples/addsvc/pkg/addtransport"
	"github.com/endpointkit/kit/log"
	kitthrift "github.com/endpointkit/kit/transport/thrift"
)

// pythonTracedClient calls Sum once over THeader with the trace headers
// given as key=value arguments, as a Python service instrumented by hand
// would send them.
const pythonTracedClient = `
import sys
sys.path.insert(0, sys.argv[1])
from thrift.transport import TSocket
from thrift.protocol import THeaderProtocol
from thrift.transport.THeaderTransport import THeaderClientType
from addsvc import Add

sock = TSocket.TSocket(sys.argv[2], int(sys.argv[3]))
prot = THeaderProtocol.THeaderProtocolFactory(allowed_client_types=[THeaderClientType.HEADERS]).getProtocol(sock)
prot.trans.open()
for kv in sys.argv[4:]:
    k, v = kv.split("=", 1)
    prot.trans.set_header(k.encode(), v.encode())
print(Add.Client(prot).Sum(20, 22).v)
prot.trans.close()
`

// TestThriftPythonTraceHeaders: a call from python3-thrift carrying a W3C
// traceparent and B3 headers in THeader joins the caller's trace in both
// tracers' server spans.
func TestThriftPythonTraceHeaders(t *testing.T) {
	python, dir := generatePython(t)
	script := filepath.Join(dir, "traced.py")
	writeFile(t, script, pythonTracedClient)

	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	t.Cleanup(func() { _ = tp.Shutdown(t.Context()) })
	zrec := recorder.NewReporter()
	zt, err := zipkin.NewTracer(zrec, zipkin.WithSharedSpans(false))
	if err != nil {
		t.Fatal(err)
	}

	set := addendpoint.New(addservice.New(), log.NewNopLogger())
	addr := serveThrift(t, set, kitthrift.ConnSettings{}, addtransport.WithTracing(tp, zt))
	host, port, _ := net.SplitHostPort(addr)
	const (
		traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
		spanID  = "00f067aa0ba902b7"
	)
	out, err := exec.Command(python, script, dir, host, port,
		"traceparent=00-"+traceID+"-"+spanID+"-01",
		"X-B3-TraceId="+traceID, "X-B3-SpanId="+spanID, "X-B3-Sampled=1").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "42" {
		t.Fatalf("python client: %v\n%s", err, out)
	}

	var server sdktrace.ReadOnlySpan
	for _, s := range spans.Ended() {
		if s.SpanKind() == trace.SpanKindServer {
			server = s
		}
	}
	if server == nil {
		t.Fatalf("no OpenTelemetry server span among %d", len(spans.Ended()))
	}
	if got := server.Parent(); got.TraceID().String() != traceID || got.SpanID().String() != spanID || !got.IsRemote() {
		t.Errorf("OpenTelemetry server span parent %v, want the Python caller's %s/%s", got, traceID, spanID)
	}
	if server.Name() != "Sum" {
		t.Errorf("OpenTelemetry server span %q, want Sum", server.Name())
	}
	var found bool
	for _, s := range zrec.Flush() {
		if s.Kind == "SERVER" {
			found = true
			if s.TraceID.String() != traceID || s.ParentID == nil || s.ParentID.String() != spanID {
				t.Errorf("Zipkin server span trace %s parent %v, want the Python caller's %s/%s", s.TraceID, s.ParentID, traceID, spanID)
			}
		}
	}
	if !found {
		t.Error("no Zipkin server span")
	}
}
