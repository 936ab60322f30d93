package thrift_test

import (
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/thrift/lib/go/thrift"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/internal/testenv"
	kitthrift "github.com/endpointkit/kit/transport/thrift"
	"github.com/endpointkit/kit/transport/thrift/internal/thrifttest"
)

// python returns Debian's python3 (the one with the thrift module) and a
// temp dir holding the Python code generated from thrifttest.thrift.
func python(t *testing.T) (bin, dir string) {
	t.Helper()
	return testenv.PythonThrift(t, filepath.Join("internal", "thrifttest", "thrifttest.thrift"))
}

// pythonHeaderClient calls Echo over THeader, with the header given on its
// command line, and prints the reply (or the exception's type and message)
// and then every response header as key=value.
const pythonHeaderClient = `
import sys
sys.path.insert(0, sys.argv[1])
from thrift.Thrift import TApplicationException
from thrift.transport import TSocket
from thrift.protocol import THeaderProtocol
from thrift.transport.THeaderTransport import THeaderClientType
from thrifttest import Test

sock = TSocket.TSocket("127.0.0.1", int(sys.argv[2]))
prot = THeaderProtocol.THeaderProtocolFactory(allowed_client_types=[THeaderClientType.HEADERS]).getProtocol(sock)
prot.trans.open()
if len(sys.argv) > 4:
    prot.trans.set_header(sys.argv[4].encode(), sys.argv[5].encode())
try:
    print("reply=" + Test.Client(prot).Echo(sys.argv[3]))
except TApplicationException as e:
    print("exception=%d %s" % (e.type, e.message))
for k, v in sorted(prot.trans.get_headers().items()):
    print("%s=%s" % (k.decode(), v.decode()))
`

// TestPythonClientHeaders: a python3-thrift THeader client sees the Go
// server's response headers, and a spent deadline header refused with
// ExceptionTimeout before the endpoint runs.
func TestPythonClientHeaders(t *testing.T) {
	bin, dir := python(t)
	script := filepath.Join(dir, "client.py")
	if err := os.WriteFile(script, []byte(pythonHeaderClient), 0o644); err != nil {
		t.Fatal(err)
	}
	ran := make(chan string, 10)
	svc := &testService{echo: kitthrift.NewServer(func(ctx context.Context, req any) (any, error) {
		ran <- req.(string)
		return req, nil
	}, identity, identity, kitthrift.ServerAfter(func(ctx context.Context, h thrift.THeaderMap) context.Context {
		h["served-by"] = "kit"
		return ctx
	}))}
	addr, _ := startServer(t, svc, kitthrift.ConnSettings{})
	_, port, _ := net.SplitHostPort(addr)
	call := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(bin, append([]string{script, dir, port}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("python client %v: %v\n%s", args, err, out)
		}
		return string(out)
	}

	out := call("hello", kitthrift.TimeoutHeader, "5000")
	if !strings.Contains(out, "reply=hello\n") || !strings.Contains(out, "served-by=kit\n") {
		t.Errorf("python client got:\n%s\nwant reply=hello and the header served-by=kit", out)
	}
	<-ran
	out = call("late", kitthrift.TimeoutHeader, "0")
	want := "exception=" + strconv.Itoa(int(kitthrift.ExceptionTimeout)) + " deadline exceeded\n"
	if !strings.Contains(out, want) {
		t.Errorf("python client with a spent deadline got:\n%s\nwant %q", out, want)
	}
	out = call("bad", kitthrift.TimeoutHeader, "soon")
	if !strings.Contains(out, "exception="+strconv.Itoa(thrift.PROTOCOL_ERROR)+" ") {
		t.Errorf("python client with a malformed deadline got:\n%s\nwant a PROTOCOL_ERROR", out)
	}
	select {
	case s := <-ran:
		t.Errorf("the endpoint ran for %q; a spent or malformed deadline must stop it", s)
	default:
	}
}

// pythonServer serves thrifttest.Test over THeader with python3-thrift's
// TThreadedServer: Echo returns its argument or raises Refused for
// "refuse", Sleep sleeps.
const pythonServer = `
import sys, time
sys.path.insert(0, sys.argv[1])
from thrift.transport import TSocket, TTransport
from thrift.server import TServer
from thrift.protocol import THeaderProtocol
from thrift.transport.THeaderTransport import THeaderClientType
from thrifttest import Test
from thrifttest.ttypes import Refused

class Handler:
    def Echo(self, s):
        if s == "refuse":
            raise Refused(reason="python says no")
        return s
    def Sleep(self, ms):
        time.sleep(ms / 1000.0)
        return ms
    def Ping(self, s):
        pass

pf = THeaderProtocol.THeaderProtocolFactory(allowed_client_types=[THeaderClientType.HEADERS])
server = TServer.TThreadedServer(Test.Processor(Handler()), TSocket.TServerSocket(host="127.0.0.1", port=int(sys.argv[2])),
                                 TTransport.TTransportFactoryBase(), pf, daemon=True)
server.serve()
`

// TestGoClientPythonServer: kit's client against a python3-thrift THeader
// server: results, a declared exception, and a deadline that fires on time
// against a handler that sleeps.
func TestGoClientPythonServer(t *testing.T) {
	bin, dir := python(t)
	script := filepath.Join(dir, "server.py")
	if err := os.WriteFile(script, []byte(pythonServer), 0o644); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_, port, _ := net.SplitHostPort(addr)
	ln.Close() // the Python server binds it
	cmd := exec.Command(bin, script, dir, port)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	for deadline := time.Now().Add(20 * time.Second); ; {
		nc, err := net.Dial("tcp", addr)
		if err == nil {
			nc.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("python server not listening after 20s: %v", err)
		}
		time.Sleep(50 * time.Millisecond) // polling a process we don't control
	}

	echo := kitthrift.NewClient(addr, echoCall)
	defer echo.Close()
	ctx := context.Background()
	if got, err := echo.Endpoint()(ctx, "hello"); err != nil || got != "hello" {
		t.Errorf("Echo(hello) = %v, %v", got, err)
	}
	_, err = echo.Endpoint()(ctx, "refuse")
	var refused *thrifttest.Refused
	if !errors.As(err, &refused) || refused.Reason != "python says no" {
		t.Errorf("Echo(refuse) err = %v, want *Refused from Python", err)
	}

	sleep := kitthrift.NewClient(addr, sleepCall)
	defer sleep.Close()
	if got, err := sleep.Endpoint()(ctx, int64(1)); err != nil || got != int64(1) {
		t.Errorf("Sleep(1) = %v, %v", got, err)
	}
	const budget = 200 * time.Millisecond
	dctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	start := time.Now()
	_, err = sleep.Endpoint()(dctx, int64(5000))
	took := time.Since(start)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Sleep(5000) with a %v deadline: err = %v, want context.DeadlineExceeded", budget, err)
	}
	if took < budget || took > budget+300*time.Millisecond {
		t.Errorf("Sleep(5000) with a %v deadline returned after %v", budget, took)
	}
	if o := endpoint.Classify(dctx, nil, err); o.Kind != endpoint.CallerError {
		t.Errorf("Classify = %v, want caller_error", o)
	}
	// The pool dropped the interrupted connection: the next call works.
	if got, err := echo.Endpoint()(ctx, "again"); err != nil || got != "again" {
		t.Errorf("Echo(again) = %v, %v", got, err)
	}
}
