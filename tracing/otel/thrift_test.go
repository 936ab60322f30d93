package otel_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/apache/thrift/lib/go/thrift"
	"go.opentelemetry.io/otel/trace"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/examples/addsvc/addthrift"
	"github.com/endpointkit/kit/internal/otelcoltest"
	"github.com/endpointkit/kit/tracing/otel"
	kitthrift "github.com/endpointkit/kit/transport/thrift"
)

// addThrift implements the generated addthrift.Add with one kit Server for
// Sum; Concat is not served.
type addThrift struct{ sum kitthrift.Handler }

func (a addThrift) Sum(ctx context.Context, x, y int64) (*addthrift.SumReply, error) {
	_, resp, err := a.sum.ServeThrift(ctx, sumRequest{int(x), int(y)})
	if err != nil {
		return nil, err
	}
	return resp.(*addthrift.SumReply), nil
}

func (addThrift) Concat(context.Context, string, string) (*addthrift.ConcatReply, error) {
	return nil, errors.New("not served")
}

func passSum(_ context.Context, req any) (any, error) { return req, nil }

func encodeSumReply(_ context.Context, resp any) (any, error) {
	r := resp.(sumResponse)
	return &addthrift.SumReply{V: int64(r.V), Err: r.Err}, nil
}

func callSum(ctx context.Context, c thrift.TClient, req any) (any, error) {
	r := req.(sumRequest)
	reply, err := addthrift.NewAddClient(c).Sum(ctx, int64(r.A), int64(r.B))
	if err != nil {
		return nil, err
	}
	return sumResponse{V: int(reply.V), Err: reply.Err}, nil
}

// thriftSumServer serves ep (sum, traced or not) over THeader on a
// loopback port, its Server built with opts, and returns the address.
func thriftSumServer(t *testing.T, ep endpoint.Endpoint, opts ...kitthrift.ServerOption) string {
	t.Helper()
	srv := kitthrift.NewConnServer(addthrift.NewAddProcessor(addThrift{
		kitthrift.NewServer(ep, passSum, encodeSumReply, opts...)}), kitthrift.ConnSettings{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-done
	})
	return ln.Addr().String()
}

func thriftSumClient(t *testing.T, addr string, opts ...kitthrift.ClientOption) endpoint.Endpoint {
	c := kitthrift.NewClient(addr, callSum, opts...)
	t.Cleanup(func() { _ = c.Close() })
	return c.Endpoint()
}

// TestThriftTree: client span -> server span -> endpoint span over a real
// THeader connection, read back from a real collector, for a success, a
// business error and a server's failure.
func TestThriftTree(t *testing.T) {
	col := otelcoltest.Start(t)
	serverTP := collectorProvider(t, col, "sum-server")
	clientTP := collectorProvider(t, col, "sum-client")
	addr := thriftSumServer(t, otel.TraceEndpoint(serverTP, "sum.endpoint")(sum), otel.ThriftServerTrace(serverTP))
	call := thriftSumClient(t, addr, otel.ThriftClientTrace(clientTP, "Sum"))

	cases := []struct {
		name               string
		a                  int
		status             string // rpc.response.status_code, "" for none
		client, server, ep otelcoltest.StatusCode
		outcome            string
	}{
		{"ok", 1, "", otelcoltest.StatusUnset, otelcoltest.StatusUnset, otelcoltest.StatusUnset, "success"},
		{"business", -1, "", otelcoltest.StatusUnset, otelcoltest.StatusUnset, otelcoltest.StatusUnset, "business_error"},
		{"internal", -2, "INTERNAL_ERROR", otelcoltest.StatusError, otelcoltest.StatusError, otelcoltest.StatusError, "dependency_failure"},
	}
	for _, c := range cases {
		ctx, root := clientTP.Tracer("test").Start(context.Background(), "root "+c.name)
		resp, err := call(ctx, sumRequest{c.a, 2})
		root.End()
		if (err != nil) != (c.status != "") {
			t.Errorf("Sum(%d, 2) = %v, %v", c.a, resp, err)
		}
	}
	flush(t, clientTP, serverTP)
	spans := col.WaitCount(t, 4*len(cases))
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tr := spans.Trace(spans.Find(t, "root "+c.name).TraceID)
			var client, server otelcoltest.Span
			for _, s := range tr.Named("Sum") {
				switch s.Kind {
				case otelcoltest.KindClient:
					client = s
				case otelcoltest.KindServer:
					server = s
				}
			}
			ep := tr.Find(t, "sum.endpoint")
			wantParent(t, client, tr.Find(t, "root "+c.name))
			wantParent(t, server, client)
			wantParent(t, ep, server)
			want := map[string]string{"rpc.system.name": "apache_thrift", "rpc.method": "Sum"}
			if c.status != "" {
				want["rpc.response.status_code"] = c.status
			} else if _, ok := server.Attrs["rpc.response.status_code"]; ok {
				t.Errorf("server span has rpc.response.status_code %q for a reply", server.Attrs["rpc.response.status_code"])
			}
			wantAttrs(t, client, want)
			wantAttrs(t, server, want)
			if server.Attrs["network.peer.address"] == "" {
				t.Errorf("server span has no network.peer.address")
			}
			wantAttrs(t, ep, map[string]string{"kit.outcome": c.outcome})
			wantStatus(t, client, c.client)
			wantStatus(t, server, c.server)
			wantStatus(t, ep, c.ep)
		})
	}
}

// rawHeaders is a ClientBefore hook that sends h as the request's THeader
// headers, as a peer with its own (or broken) tracing would.
func rawHeaders(h map[string]string) kitthrift.ClientOption {
	return kitthrift.ClientBefore(func(ctx context.Context, header thrift.THeaderMap) context.Context {
		for k, v := range h {
			header[k] = v
		}
		return ctx
	})
}

// TestThriftBadTraceHeadersStartNewRoot: malformed trace context in THeader
// headers is ignored: the call is answered and the server span is a new
// root. A valid traceparent, in any case of its key, is continued.
func TestThriftBadTraceHeadersStartNewRoot(t *testing.T) {
	// THeader's header block is at most 256 KiB (a 16-bit count of 4-byte
	// words): the largest traceparent the protocol can carry is near that.
	huge := strings.Repeat("a", 200<<10)
	cases := []struct {
		name   string
		header map[string]string
		opts   []otel.Option
		parent bool // whether the server span continues goodTraceID
	}{
		{"wrong version", map[string]string{"traceparent": "ff-" + goodTraceID + "-" + goodSpanID + "-01"}, nil, false},
		{"all-zero trace id", map[string]string{"traceparent": "00-00000000000000000000000000000000-" + goodSpanID + "-01"}, nil, false},
		{"short span id", map[string]string{"traceparent": "00-" + goodTraceID + "-" + goodSpanID[:10] + "-01"}, nil, false},
		{"non-hex", map[string]string{"traceparent": "00-" + goodTraceID[:31] + "z-" + goodSpanID + "-01"}, nil, false},
		{"200 KiB traceparent", map[string]string{"traceparent": huge}, nil, false},
		{"bad baggage", map[string]string{"traceparent": "garbage", "baggage": "=;;=="}, nil, false},
		{"b3 bad ids", map[string]string{"x-b3-traceid": "xyz", "x-b3-spanid": goodSpanID}, []otel.Option{otel.B3()}, false},
		{"b3 single garbage", map[string]string{"b3": "garbage"}, []otel.Option{otel.B3()}, false},
		{"good", map[string]string{"traceparent": goodParent}, nil, true},
		{"good, capitalised key", map[string]string{"Traceparent": goodParent}, nil, true},
		{"good b3", map[string]string{"x-b3-traceid": goodTraceID, "x-b3-spanid": goodSpanID, "x-b3-sampled": "1"}, []otel.Option{otel.B3()}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tp, rec := memoryProvider(t)
			addr := thriftSumServer(t, sum, otel.ThriftServerTrace(tp, c.opts...))
			call := thriftSumClient(t, addr, rawHeaders(c.header))
			resp, err := call(context.Background(), sumRequest{1, 2})
			if err != nil || resp.(sumResponse).V != 3 {
				t.Fatalf("Sum(1, 2) = %v, %v; bad trace headers must be ignored, not refused", resp, err)
			}
			spans := rec.Ended()
			if len(spans) != 1 || spans[0].SpanKind() != trace.SpanKindServer {
				t.Fatalf("ended spans %v, want one server span", spans)
			}
			s := spans[0]
			if !s.SpanContext().IsValid() {
				t.Errorf("server span context %v is not valid", s.SpanContext())
			}
			continued := s.Parent().IsValid() && s.Parent().TraceID().String() == goodTraceID &&
				s.Parent().SpanID().String() == goodSpanID
			if continued != c.parent {
				t.Errorf("server span parent %v, want continued=%v", s.Parent(), c.parent)
			}
			if !c.parent && s.Parent().IsValid() {
				t.Errorf("server span has parent %v, want a new root", s.Parent())
			}
		})
	}
}

// TestThriftClientSpanCoversDial: a call whose connection cannot be dialled
// still has a client span, marked as an error.
func TestThriftClientSpanCoversDial(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	tp, rec := memoryProvider(t)
	call := thriftSumClient(t, addr, otel.ThriftClientTrace(tp, "Sum"))
	if _, err := call(context.Background(), sumRequest{1, 2}); err == nil {
		t.Fatal("call to a closed port succeeded")
	}
	spans := rec.Ended()
	if len(spans) != 1 || spans[0].Name() != "Sum" || spans[0].SpanKind() != trace.SpanKindClient {
		t.Fatalf("ended spans %v, want one client span Sum", spans)
	}
	if got := spans[0].Status().Code.String(); got != "Error" {
		t.Errorf("client span status %s, want Error", got)
	}
}

// FuzzThriftServerExtract: whatever trace context arrives in THeader
// (W3C or B3), under whatever case of its keys, the call is served and
// its server span starts.
func FuzzThriftServerExtract(f *testing.F) {
	f.Add("traceparent", goodParent, "tracestate", "a=b", "baggage", "k=v")
	f.Add("Traceparent", "ff-"+goodTraceID, "b3", "garbage", "X-B3-TraceId", "xyz")
	f.Add("traceparent", "", "baggage", "=;;==", "x-b3-spanid", "0000000000000000")
	tp, rec := memoryProvider(f)
	srv := kitthrift.NewServer(sum, passSum, encodeSumReply, otel.ThriftServerTrace(tp, otel.B3()))
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2, k3, v3 string) {
		before := len(rec.Ended())
		ctx := thrift.AddReadTHeaderToContext(context.Background(), thrift.THeaderMap{k1: v1, k2: v2, k3: v3})
		if _, reply, err := srv.ServeThrift(ctx, sumRequest{1, 2}); err != nil || reply.(*addthrift.SumReply).V != 3 {
			t.Fatalf("ServeThrift = %v, %v", reply, err)
		}
		if len(rec.Ended()) != before+1 {
			t.Fatalf("%d spans ended, want 1", len(rec.Ended())-before)
		}
	})
}
