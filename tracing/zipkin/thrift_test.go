package zipkin_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/apache/thrift/lib/go/thrift"
	"github.com/openzipkin/zipkin-go"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/examples/addsvc/addthrift"
	"github.com/endpointkit/kit/internal/otelcoltest"
	"github.com/endpointkit/kit/log"
	kitzipkin "github.com/endpointkit/kit/tracing/zipkin"
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

// thriftSumServer serves ep over THeader on a loopback port, its Server
// built with opts, and returns the address.
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
// THeader connection, read back from the collector's Zipkin receiver.
func TestThriftTree(t *testing.T) {
	col := otelcoltest.Start(t)
	serverTracer, flushServer := collectorTracer(t, col, "sum-server", false)
	clientTracer, flushClient := collectorTracer(t, col, "sum-client", false)
	addr := thriftSumServer(t, kitzipkin.TraceEndpoint(serverTracer, "sum.endpoint")(sum),
		kitzipkin.ThriftServerTrace(serverTracer))
	call := thriftSumClient(t, addr, kitzipkin.ThriftClientTrace(clientTracer, "Sum"))

	cases := []struct {
		name               string
		a                  int
		exception          string
		client, server, ep otelcoltest.StatusCode
		outcome            string
	}{
		{"ok", 1, "", otelcoltest.StatusUnset, otelcoltest.StatusUnset, otelcoltest.StatusUnset, "success"},
		{"business", -1, "", otelcoltest.StatusUnset, otelcoltest.StatusUnset, otelcoltest.StatusUnset, "business_error"},
		{"internal", -2, "INTERNAL_ERROR", otelcoltest.StatusError, otelcoltest.StatusError, otelcoltest.StatusError, "dependency_failure"},
	}
	for _, c := range cases {
		span, ctx := clientTracer.StartSpanFromContext(context.Background(), "root "+c.name)
		resp, err := call(ctx, sumRequest{c.a, 2})
		span.Finish()
		if (err != nil) != (c.exception != "") {
			t.Errorf("Sum(%d, 2) = %v, %v", c.a, resp, err)
		}
	}
	flushClient()
	flushServer()
	spans := col.WaitCount(t, 4*len(cases))
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := spans.Find(t, "root "+c.name)
			tr := spans.Trace(root.TraceID)
			var client, server otelcoltest.Span
			for _, s := range tr.Named("sum") { // Zipkin lower-cases names
				switch s.Kind {
				case otelcoltest.KindClient:
					client = s
				case otelcoltest.KindServer:
					server = s
				}
			}
			ep := tr.Find(t, "sum.endpoint")
			wantParent(t, client, root)
			wantParent(t, server, client)
			wantParent(t, ep, server)
			want := map[string]string{"thrift.method": "Sum"}
			if c.exception != "" {
				want["thrift.exception"] = c.exception
			}
			wantAttrs(t, client, want)
			wantAttrs(t, server, want)
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

// TestThriftBadB3StartsNewTrace: malformed B3 headers over THeader are
// ignored, with at most one log line, even by a tracer whose extract failure
// policy would panic: the call is answered in a new trace. Valid ones, in
// any case of their keys, are continued.
func TestThriftBadB3StartsNewTrace(t *testing.T) {
	// THeader's header block is at most 256 KiB (a 16-bit count of 4-byte
	// words): the largest header the protocol can carry is near that.
	huge := strings.Repeat("a", 200<<10)
	cases := []struct {
		name   string
		header map[string]string
		cont   bool
	}{
		{"non-hex trace id", map[string]string{"x-b3-traceid": "xyz", "x-b3-spanid": goodSpanID}, false},
		{"zero span id", map[string]string{"x-b3-traceid": goodTraceID, "x-b3-spanid": "0000000000000000"}, false},
		{"bad sampled", map[string]string{"x-b3-traceid": goodTraceID, "x-b3-spanid": goodSpanID, "x-b3-sampled": "maybe"}, false},
		{"single garbage", map[string]string{"b3": "garbage"}, false},
		{"single 33 zeros", map[string]string{"b3": strings.Repeat("0", 33)}, false},
		{"200 KiB trace id", map[string]string{"x-b3-traceid": huge, "x-b3-spanid": goodSpanID}, false},
		{"good", map[string]string{"x-b3-traceid": goodTraceID, "x-b3-spanid": goodSpanID, "x-b3-sampled": "1"}, true},
		{"good, canonical case", map[string]string{"X-B3-TraceId": goodTraceID, "X-B3-SpanId": goodSpanID}, true},
		{"good single", map[string]string{"b3": goodTraceID + "-" + goodSpanID + "-1"}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tracer, rec := memoryTracer(t, zipkin.WithExtractFailurePolicy(zipkin.ExtractFailurePolicyError))
			var logs bytes.Buffer
			addr := thriftSumServer(t, sum, kitzipkin.ThriftServerTrace(tracer,
				kitzipkin.Logger(log.NewLogfmtLogger(&logs))))
			resp, err := thriftSumClient(t, addr, rawHeaders(c.header))(context.Background(), sumRequest{1, 2})
			if err != nil || resp.(sumResponse).V != 3 {
				t.Fatalf("Sum(1, 2) = %v, %v; bad trace headers must be ignored, not refused", resp, err)
			}
			s := serverSpan(t, rec.Flush())
			continued := s.TraceID.String() == goodTraceID && s.ParentID != nil && s.ParentID.String() == goodSpanID
			if continued != c.cont {
				t.Errorf("server span trace %s parent %v, want continued=%v", s.TraceID, s.ParentID, c.cont)
			}
			if !c.cont && s.ParentID != nil {
				t.Errorf("server span has parent %v, want a new root", *s.ParentID)
			}
			lines := strings.Count(logs.String(), "\n")
			if c.cont && lines != 0 || lines > 1 {
				t.Errorf("%d log lines, want at most 1 (none for valid headers):\n%s", lines, logs.String())
			}
		})
	}
}

// FuzzThriftServerExtract: whatever B3 headers arrive in THeader, under
// whatever case of their keys, the call is served.
func FuzzThriftServerExtract(f *testing.F) {
	f.Add("b3", goodTraceID+"-"+goodSpanID+"-1", goodTraceID, goodSpanID, "1")
	f.Add("B3", "garbage", "xyz", "0", "maybe")
	f.Add("b3", strings.Repeat("0", 33), "", goodSpanID, "")
	tracer, err := zipkin.NewTracer(nil, zipkin.WithExtractFailurePolicy(zipkin.ExtractFailurePolicyError), zipkin.WithNoopSpan(false))
	if err != nil {
		f.Fatal(err)
	}
	srv := kitthrift.NewServer(sum, passSum, encodeSumReply, kitzipkin.ThriftServerTrace(tracer))
	f.Fuzz(func(t *testing.T, singleKey, single, traceID, spanID, sampled string) {
		h := thrift.THeaderMap{singleKey: single, "X-B3-TraceId": traceID, "x-b3-spanid": spanID, "x-b3-sampled": sampled}
		ctx := thrift.AddReadTHeaderToContext(context.Background(), h)
		if _, reply, err := srv.ServeThrift(ctx, sumRequest{1, 2}); err != nil || reply.(*addthrift.SumReply).V != 3 {
			t.Fatalf("ServeThrift = %v, %v", reply, err)
		}
	})
}
