package addtransport_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"golang.org/x/time/rate"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/examples/addsvc/addthrift"
	"github.com/endpointkit/kit/examples/addsvc/pkg/addendpoint"
	"github.com/endpointkit/kit/examples/addsvc/pkg/addservice"
	"github.com/endpointkit/kit/examples/addsvc/pkg/addtransport"
	"github.com/endpointkit/kit/internal/testenv"
	"github.com/endpointkit/kit/log"
	"github.com/endpointkit/kit/ratelimit"
	kitthrift "github.com/endpointkit/kit/transport/thrift"
)

// pythonClient calls the Add service with Debian's python3-thrift, over the
// protocol and framing named by its arguments, and prints what it got as
// JSON: Sum and Concat results with their business errors, or the declared
// exception Limited.
const pythonClient = `
import json, sys
sys.path.insert(0, sys.argv[1])
from thrift.transport import TSocket, TTransport
from thrift.protocol import TBinaryProtocol, TCompactProtocol, TJSONProtocol, THeaderProtocol
from thrift.transport.THeaderTransport import THeaderClientType
from addsvc import Add
from addsvc.ttypes import Limited

host, port, proto, framed = sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5] == "1"
sock = TSocket.TSocket(host, port)
if proto == "header":
    prot = THeaderProtocol.THeaderProtocolFactory(allowed_client_types=[THeaderClientType.HEADERS]).getProtocol(sock)
    trans = prot.trans
else:
    trans = TTransport.TFramedTransport(sock) if framed else TTransport.TBufferedTransport(sock)
    prot = {"binary": TBinaryProtocol.TBinaryProtocol, "compact": TCompactProtocol.TCompactProtocol,
            "json": TJSONProtocol.TJSONProtocol}[proto](trans)
trans.open()
c = Add.Client(prot)
out = {}
try:
    r = c.Sum(20, 22); out["sum"] = [r.v, r.err]
    r = c.Sum(2**62, 2**62); out["overflow"] = [r.v, r.err]
    r = c.Concat("ab", "cd"); out["concat"] = [r.v, r.err]
    r = c.Concat("x" * 1024, "y"); out["toolong"] = [r.v, r.err]
except Limited as e:
    out["limited"] = e.message
trans.close()
print(json.dumps(out))
`

// generatePython returns Debian's python3 and a temp dir holding the
// Python code generated from addsvc.thrift.
func generatePython(t *testing.T) (python, dir string) {
	t.Helper()
	return testenv.PythonThrift(t, filepath.Join("..", "..", "addthrift", "addsvc.thrift"))
}

// serveThrift serves set over Thrift on a loopback port.
func serveThrift(t *testing.T, set addendpoint.Set, settings kitthrift.ConnSettings, opts ...addtransport.Option) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := kitthrift.NewConnServer(addthrift.NewAddProcessor(addtransport.NewThriftServer(set, log.NewNopLogger(), opts...)), settings)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		_ = srv.Shutdown(context.Background())
		if err := <-done; !errors.Is(err, kitthrift.ErrServerClosed) {
			t.Errorf("Serve = %v", err)
		}
	})
	return ln.Addr().String()
}

// TestThriftPythonClient calls the Go server from python3-thrift over every
// protocol: results, business errors in replies, and the limiter's declared
// exception.
func TestThriftPythonClient(t *testing.T) {
	python, dir := generatePython(t)
	script := filepath.Join(dir, "client.py")
	writeFile(t, script, pythonClient)

	set := addendpoint.New(addservice.New(), log.NewNopLogger())
	refusing := set.Wrap(func(string) endpoint.Middleware {
		return ratelimit.NewErroringLimiter(rate.NewLimiter(0, 0))
	})
	for _, tc := range []struct {
		name     string
		protocol kitthrift.Protocol
		framed   bool
		client   string // the protocol the Python client speaks
	}{
		{"header", kitthrift.ProtocolHeader, false, "header"},
		{"header server, binary client", kitthrift.ProtocolHeader, false, "binary"},
		{"header server, framed compact client", kitthrift.ProtocolHeader, true, "compact"},
		{"binary", kitthrift.ProtocolBinary, false, "binary"},
		{"binary framed", kitthrift.ProtocolBinary, true, "binary"},
		{"compact", kitthrift.ProtocolCompact, false, "compact"},
		{"compact framed", kitthrift.ProtocolCompact, true, "compact"},
		{"json", kitthrift.ProtocolJSON, false, "json"},
		{"json framed", kitthrift.ProtocolJSON, true, "json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			settings := kitthrift.ConnSettings{Protocol: tc.protocol, Framed: tc.framed && tc.protocol != kitthrift.ProtocolHeader}
			call := func(addr string) map[string]any {
				t.Helper()
				host, port, _ := net.SplitHostPort(addr)
				framed := "0"
				if tc.framed {
					framed = "1"
				}
				out, err := exec.Command(python, script, dir, host, port, tc.client, framed).CombinedOutput()
				if err != nil {
					t.Fatalf("python client: %v\n%s", err, out)
				}
				var got map[string]any
				if err := json.Unmarshal(out, &got); err != nil {
					t.Fatalf("python client output %q: %v", out, err)
				}
				return got
			}
			got := call(serveThrift(t, set, settings))
			want := map[string][2]any{
				"sum":      {float64(42), ""},
				"overflow": {float64(0), addservice.ErrIntOverflow.Error()},
				"concat":   {"abcd", ""},
				"toolong":  {"", addservice.ErrMaxSizeExceeded.Error()},
			}
			for k, w := range want {
				g, _ := got[k].([]any)
				if len(g) != 2 || g[0] != w[0] || g[1] != w[1] {
					t.Errorf("%s = %v, want %v", k, got[k], w)
				}
			}
			got = call(serveThrift(t, refusing, settings))
			if got["limited"] != "too many requests, try again later" {
				t.Errorf("refused call: got %v, want the Limited exception", got)
			}
		})
	}
}

func writeFile(t *testing.T, name, content string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
