package benchmarks

import (
	"context"
	"fmt"
	"net"
	"testing"

	"github.com/apache/thrift/lib/go/thrift"

	"github.com/endpointkit/kit/examples/addsvc/addthrift"
	"github.com/endpointkit/kit/tracing/otel"
	kitzipkin "github.com/endpointkit/kit/tracing/zipkin"
	kitthrift "github.com/endpointkit/kit/transport/thrift"
)

// The Thrift tracing workload. BenchmarkThriftServerTracing calls kit's
// Thrift Server in process (ServeThrift with the request's THeader headers
// in the context, as a ConnServer puts them there: no sockets), untraced
// and with each tracer's ThriftServerTrace, the caller's trace context
// arriving in the headers (W3C traceparent for OpenTelemetry, B3 for
// Zipkin) with the sampled flag of the case, and the provider sampling
// the same way. BenchmarkThriftSumTraced makes the whole call over
// loopback (THeader), client and server both traced
// (ThriftClientTrace and ThriftServerTrace). Spans go to a batch processor
// whose exporter discards them (OpenTelemetry) or to a no-op reporter
// (Zipkin).

// thriftTraceCase is one contestant: its server and client options and
// the trace headers a traced caller would send.
type thriftTraceCase struct {
	name    string
	server  func(b testing.TB) []kitthrift.ServerOption
	client  func(b testing.TB) []kitthrift.ClientOption
	headers thrift.THeaderMap
}

func thriftTraceCases() []thriftTraceCase {
	w3c := func(flags string) thrift.THeaderMap {
		return thrift.THeaderMap{"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-" + flags}
	}
	b3 := func(sampled string) thrift.THeaderMap {
		return thrift.THeaderMap{"x-b3-traceid": "80f198ee56343ba864fe8b2a57d3eff7", "x-b3-spanid": "e457b5a2e4d86bd1", "x-b3-sampled": sampled}
	}
	none := func(testing.TB) []kitthrift.ServerOption { return nil }
	noneClient := func(testing.TB) []kitthrift.ClientOption { return nil }
	cases := []thriftTraceCase{{"impl=untraced", none, noneClient, w3c("01")}}
	for _, sampled := range []bool{false, true} {
		s, flags, b3s := "no", "00", "0"
		if sampled {
			s, flags, b3s = "yes", "01", "1"
		}
		cases = append(cases,
			thriftTraceCase{"impl=kit-otel/sampled=" + s,
				func(b testing.TB) []kitthrift.ServerOption {
					return []kitthrift.ServerOption{otel.ThriftServerTrace(otelProvider(b, sampled))}
				},
				func(b testing.TB) []kitthrift.ClientOption {
					return []kitthrift.ClientOption{otel.ThriftClientTrace(otelProvider(b, sampled), "Sum")}
				}, w3c(flags)},
			thriftTraceCase{"impl=kit-zipkin/sampled=" + s,
				func(b testing.TB) []kitthrift.ServerOption {
					return []kitthrift.ServerOption{kitzipkin.ThriftServerTrace(zipkinTracer(b, sampled))}
				},
				func(b testing.TB) []kitthrift.ClientOption {
					return []kitthrift.ClientOption{kitzipkin.ThriftClientTrace(zipkinTracer(b, sampled), "Sum")}
				}, b3(b3s)})
	}
	return cases
}

func thriftSum(_ context.Context, req any) (any, error) {
	ab := req.([2]int64)
	return &addthrift.SumReply{V: ab[0] + ab[1]}, nil
}

// headerContext is the context a ConnServer hands the generated code for
// a request carrying h.
func headerContext(h thrift.THeaderMap) context.Context {
	ctx := context.Background()
	keys := make([]string, 0, len(h))
	for k, v := range h {
		ctx = thrift.SetHeader(ctx, k, v)
		keys = append(keys, k)
	}
	return thrift.SetReadHeaderList(ctx, keys)
}

// BenchmarkThriftServerTracing: kit's Thrift Server in process, untraced
// and traced by each tracer, sampled out and sampled.
func BenchmarkThriftServerTracing(b *testing.B) {
	for _, c := range thriftTraceCases() {
		b.Run(c.name, func(b *testing.B) {
			srv := kitthrift.NewServer(thriftSum, identity, identity, c.server(b)...)
			ctx := headerContext(c.headers)
			req := [2]int64{1, 2}
			b.ReportAllocs()
			for b.Loop() {
				_, resp, err := srv.ServeThrift(ctx, req)
				if err != nil || resp.(*addthrift.SumReply).V != 3 {
					b.Fatalf("ServeThrift = %v, %v", resp, err)
				}
			}
		})
	}
}

// tracedThrift is kit's Thrift Sum over loopback (THeader), client and
// server traced by c.
func tracedThrift(b testing.TB, c thriftTraceCase) thriftContestant {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := kitthrift.NewConnServer(addthrift.NewAddProcessor(kitThriftAdd{
		sum: kitthrift.NewServer(thriftSum, identity, identity, c.server(b)...)}), kitthrift.ConnSettings{})
	go func() { _ = srv.Serve(ln) }()
	client := kitthrift.NewClient(ln.Addr().String(), func(ctx context.Context, tc thrift.TClient, req any) (any, error) {
		ab := req.([2]int64)
		return addthrift.NewAddClient(tc).Sum(ctx, ab[0], ab[1])
	}, c.client(b)...)
	e := client.Endpoint()
	return thriftContestant{
		stop: func() { client.Close(); _ = srv.Close() },
		call: func(ctx context.Context, a, b int64) (int64, error) {
			r, err := e(ctx, [2]int64{a, b})
			if err != nil {
				return 0, err
			}
			return r.(*addthrift.SumReply).V, nil
		},
	}
}

// BenchmarkThriftSumTraced: the whole Sum call over loopback, untraced and
// traced on both sides by each tracer, sampled out and sampled.
func BenchmarkThriftSumTraced(b *testing.B) {
	for _, c := range thriftTraceCases() {
		b.Run(c.name, func(b *testing.B) {
			tc := tracedThrift(b, c)
			defer tc.stop()
			ctx := context.Background()
			runLoad(b, 1, func() error {
				v, err := tc.call(ctx, 1, 2)
				if err == nil && v != 3 {
					err = fmt.Errorf("sum = %d, want 3", v)
				}
				return err
			})
		})
	}
}

// TestThriftTracedContestantsAgree checks that every traced Thrift
// contestant answers the sum, in process and over loopback.
func TestThriftTracedContestantsAgree(t *testing.T) {
	for _, c := range thriftTraceCases() {
		t.Run(c.name, func(t *testing.T) {
			srv := kitthrift.NewServer(thriftSum, identity, identity, c.server(t)...)
			if _, resp, err := srv.ServeThrift(headerContext(c.headers), [2]int64{1, 2}); err != nil || resp.(*addthrift.SumReply).V != 3 {
				t.Fatalf("ServeThrift = %v, %v; want 3", resp, err)
			}
			tc := tracedThrift(t, c)
			defer tc.stop()
			if v, err := tc.call(context.Background(), 20, 22); err != nil || v != 42 {
				t.Fatalf("Sum(20, 22) over loopback = %d, %v; want 42", v, err)
			}
		})
	}
}
