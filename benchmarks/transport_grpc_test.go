package benchmarks

import (
	"context"
	"fmt"
	"net"
	"testing"

	gokitgrpc "github.com/go-kit/kit/transport/grpc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/examples/addsvc/pb"
	kitgrpc "github.com/endpointkit/kit/transport/grpc"
)

// The workload: the sum RPC of the example's Add service over gRPC on
// loopback TCP, one connection shared by all clients.

type grpcContestant struct {
	stop func()
	call func(ctx context.Context, a, b int64) (int64, error)
}

// serveGRPC serves impl and returns a connection to it.
func serveGRPC(impl pb.AddServer) (*grpc.ClientConn, func()) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	s := grpc.NewServer()
	pb.RegisterAddServer(s, impl)
	done := make(chan struct{})
	go func() { defer close(done); _ = s.Serve(lis) }()
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		panic(err)
	}
	return conn, func() { conn.Close(); s.Stop(); <-done }
}

type rawAdd struct{ pb.UnimplementedAddServer }

func (rawAdd) Sum(_ context.Context, req *pb.SumRequest) (*pb.SumReply, error) {
	return &pb.SumReply{V: req.A + req.B}, nil
}

func rawGRPC() grpcContestant {
	conn, stop := serveGRPC(rawAdd{})
	client := pb.NewAddClient(conn)
	return grpcContestant{stop, func(ctx context.Context, a, b int64) (int64, error) {
		r, err := client.Sum(ctx, &pb.SumRequest{A: a, B: b})
		if err != nil {
			return 0, err
		}
		return r.V, nil
	}}
}

// The endpoint of the gRPC contestants works on the protobuf messages
// directly, so that codecs are identity functions and what differs is the
// transport package alone.
func sumMessage(_ context.Context, req *pb.SumRequest) (*pb.SumReply, error) {
	return &pb.SumReply{V: req.A + req.B}, nil
}

func identity(_ context.Context, v any) (any, error) { return v, nil }

type gokitAdd struct {
	pb.UnimplementedAddServer
	sum gokitgrpc.Handler
}

func (s gokitAdd) Sum(ctx context.Context, req *pb.SumRequest) (*pb.SumReply, error) {
	_, resp, err := s.sum.ServeGRPC(ctx, req)
	if err != nil {
		return nil, err
	}
	return resp.(*pb.SumReply), nil
}

func gokitGRPC() grpcContestant {
	e := func(ctx context.Context, req any) (any, error) { return sumMessage(ctx, req.(*pb.SumRequest)) }
	conn, stop := serveGRPC(gokitAdd{sum: gokitgrpc.NewServer(e, identity, identity)})
	client := gokitgrpc.NewClient(conn, "addsvc.Add", "Sum", identity, identity, &pb.SumReply{}).Endpoint()
	return grpcContestant{stop, func(ctx context.Context, a, b int64) (int64, error) {
		r, err := client(ctx, &pb.SumRequest{A: a, B: b})
		if err != nil {
			return 0, err
		}
		return r.(*pb.SumReply).V, nil
	}}
}

type kitAdd struct {
	pb.UnimplementedAddServer
	sum kitgrpc.Handler
}

func (s kitAdd) Sum(ctx context.Context, req *pb.SumRequest) (*pb.SumReply, error) {
	_, resp, err := s.sum.ServeGRPC(ctx, req)
	if err != nil {
		return nil, err
	}
	return resp.(*pb.SumReply), nil
}

func kitGRPC() grpcContestant {
	conn, stop := serveGRPC(kitAdd{sum: kitgrpc.NewServer(endpoint.FromFunc(sumMessage), identity, identity)})
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

var grpcContestants = []struct {
	name string
	new  func() grpcContestant
}{
	{"raw", rawGRPC},
	{"gokit", gokitGRPC},
	{"kit", kitGRPC},
}

func BenchmarkGRPCSum(b *testing.B) {
	for _, clients := range []int{1, 64} {
		for _, c := range grpcContestants {
			b.Run(fmt.Sprintf("clients=%d/impl=%s", clients, c.name), func(b *testing.B) {
				gc := c.new()
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

func TestGRPCContestantsAgree(t *testing.T) {
	for _, c := range grpcContestants {
		gc := c.new()
		v, err := gc.call(context.Background(), 20, 22)
		gc.stop()
		if v != 42 || err != nil {
			t.Errorf("%s: sum(20, 22) = %d, %v; want 42", c.name, v, err)
		}
	}
}
