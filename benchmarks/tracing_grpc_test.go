package benchmarks

import (
	"context"
	"fmt"
	"net"
	"testing"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/examples/addsvc/pb"
	"github.com/endpointkit/kit/tracing/otel"
	kitgrpc "github.com/endpointkit/kit/transport/grpc"
)

// serveGRPCWith is serveGRPC with server and dial options.
func serveGRPCWith(impl pb.AddServer, sopts []grpc.ServerOption, dopts []grpc.DialOption) (*grpc.ClientConn, func()) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	s := grpc.NewServer(sopts...)
	pb.RegisterAddServer(s, impl)
	done := make(chan struct{})
	go func() { defer close(done); _ = s.Serve(lis) }()
	dopts = append(dopts, grpc.WithTransportCredentials(insecure.NewCredentials()))
	conn, err := grpc.NewClient(lis.Addr().String(), dopts...)
	if err != nil {
		panic(err)
	}
	return conn, func() { conn.Close(); s.Stop(); <-done }
}

// tracedGRPC is kit's gRPC sum traced with tracing/otel on both sides
// (client endpoint span, client span, server span, server endpoint span);
// a nil tp is untraced.
func tracedGRPC(tp trace.TracerProvider) grpcContestant {
	var sopts []kitgrpc.ServerOption
	var copts []kitgrpc.ClientOption
	var mw endpoint.Middleware = func(e endpoint.Endpoint) endpoint.Endpoint { return e }
	sum := endpoint.FromFunc(sumMessage)
	if tp != nil {
		sopts = append(sopts, otel.GRPCServerTrace(tp))
		copts = append(copts, otel.GRPCClientTrace(tp, "addsvc.Add", "Sum"))
		mw = otel.TraceEndpoint(tp, "client.Sum")
		sum = otel.TraceEndpoint(tp, "Sum")(sum)
	}
	conn, stop := serveGRPCWith(kitAdd{sum: kitgrpc.NewServer(sum, identity, identity, sopts...)}, nil, nil)
	call := endpoint.ToFunc[*pb.SumRequest, *pb.SumReply](mw(
		kitgrpc.NewClient(conn, "addsvc.Add", "Sum", identity, identity, &pb.SumReply{}, copts...).Endpoint()))
	return grpcContestant{stop, func(ctx context.Context, a, b int64) (int64, error) {
		r, err := call(ctx, &pb.SumRequest{A: a, B: b})
		if err != nil {
			return 0, err
		}
		return r.V, nil
	}}
}

// otelgrpcGRPC is kit's untraced gRPC sum traced with otelgrpc's stats
// handlers on the server and the connection, as otelgrpc's users do.
func otelgrpcGRPC(tp trace.TracerProvider) grpcContestant {
	conn, stop := serveGRPCWith(kitAdd{sum: kitgrpc.NewServer(endpoint.FromFunc(sumMessage), identity, identity)},
		[]grpc.ServerOption{grpc.StatsHandler(otelgrpc.NewServerHandler(otelgrpc.WithTracerProvider(tp)))},
		[]grpc.DialOption{grpc.WithStatsHandler(otelgrpc.NewClientHandler(otelgrpc.WithTracerProvider(tp)))})
	call := endpoint.ToFunc[*pb.SumRequest, *pb.SumReply](
		kitgrpc.NewClient(conn, "addsvc.Add", "Sum", identity, identity, &pb.SumReply{}).Endpoint())
	return grpcContestant{stop, func(ctx context.Context, a, b int64) (int64, error) {
		r, err := call(ctx, &pb.SumRequest{A: a, B: b})
		if err != nil {
			return 0, err
		}
		return r.V, nil
	}}
}

// BenchmarkGRPCSumTraced is BenchmarkGRPCSum's kit contestant untraced and
// traced with tracing/otel, beside otelgrpc.
func BenchmarkGRPCSumTraced(b *testing.B) {
	for _, clients := range []int{1, 64} {
		for _, c := range []struct {
			name string
			new  func(b *testing.B) grpcContestant
		}{
			{"impl=untraced", func(*testing.B) grpcContestant { return tracedGRPC(nil) }},
			{"impl=kit-otel/sampled=no", func(b *testing.B) grpcContestant { return tracedGRPC(otelProvider(b, false)) }},
			{"impl=otelgrpc/sampled=no", func(b *testing.B) grpcContestant { return otelgrpcGRPC(otelProvider(b, false)) }},
			{"impl=kit-otel/sampled=yes", func(b *testing.B) grpcContestant { return tracedGRPC(otelProvider(b, true)) }},
			{"impl=otelgrpc/sampled=yes", func(b *testing.B) grpcContestant { return otelgrpcGRPC(otelProvider(b, true)) }},
		} {
			b.Run(fmt.Sprintf("clients=%d/%s", clients, c.name), func(b *testing.B) {
				gc := c.new(b)
				defer gc.stop()
				ctx := context.Background()
				runLoad(b, clients, func() error {
					v, err := gc.call(ctx, 1, 2)
					if err == nil && v != 3 {
						err = fmt.Errorf("sum = %d, want 3", v)
					}
					return err
				})
			})
		}
	}
}

func TestTracedGRPCContestantsAgree(t *testing.T) {
	tp := sdktrace.NewTracerProvider()
	defer tp.Shutdown(context.Background())
	for name, gc := range map[string]grpcContestant{
		"untraced": tracedGRPC(nil), "kit-otel": tracedGRPC(tp), "otelgrpc": otelgrpcGRPC(tp),
	} {
		v, err := gc.call(context.Background(), 20, 22)
		gc.stop()
		if v != 42 || err != nil {
			t.Errorf("%s: sum(20, 22) = %d, %v; want 42", name, v, err)
		}
	}
}
