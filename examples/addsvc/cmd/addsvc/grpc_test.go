package main

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/endpointkit/kit/examples/addsvc/pb"
	"github.com/endpointkit/kit/log"
)

// panicking is an Add service whose Sum panics.
type panicking struct{ pb.UnimplementedAddServer }

func (panicking) Sum(context.Context, *pb.SumRequest) (*pb.SumReply, error) {
	panic("sum exploded")
}

func (panicking) Concat(_ context.Context, r *pb.ConcatRequest) (*pb.ConcatReply, error) {
	return &pb.ConcatReply{V: r.A + r.B}, nil
}

// serveGRPC runs a gRPC server with addsvc's options on a loopback port and
// returns a client connection to it.
func serveGRPC(t *testing.T, logger log.Logger, register func(*grpc.Server)) *grpc.ClientConn {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(grpcServerOptions(time.Minute, logger)...)
	register(srv)
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Stop(); <-done })
	conn, err := grpc.NewClient(ln.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// TestGRPCPanicIsInternal checks the recovering interceptor: a panic in a
// handler is answered Internal with a generic message (the panic value stays
// in the log, with the method), and the server keeps serving. Without the
// interceptor grpc-go lets the panic end the process.
func TestGRPCPanicIsInternal(t *testing.T) {
	var logged strings.Builder
	logger := log.NewLogfmtLogger(log.NewSyncWriter(&logged))
	conn := serveGRPC(t, logger, func(s *grpc.Server) { pb.RegisterAddServer(s, panicking{}) })
	client := pb.NewAddClient(conn)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	_, err := client.Sum(ctx, &pb.SumRequest{A: 1, B: 2})
	if st := status.Convert(err); st.Code() != codes.Internal || st.Message() != "internal error" {
		t.Fatalf("Sum = %v, want Internal with a generic message", err)
	}
	if strings.Contains(status.Convert(err).Message(), "exploded") {
		t.Errorf("the panic value reached the client: %v", err)
	}
	if got := logged.String(); !strings.Contains(got, "sum exploded") || !strings.Contains(got, "/addsvc.Add/Sum") {
		t.Errorf("log = %q, want the panic value and the method", got)
	}
	reply, err := client.Concat(ctx, &pb.ConcatRequest{A: "a", B: "b"})
	if err != nil || reply.GetV() != "ab" {
		t.Fatalf("Concat after the panic = %v, %v; want ab", reply, err)
	}
}

// TestGRPCMaxConcurrentStreams checks that one connection cannot hold more
// than maxConcurrentStreams calls open at once: with that many health
// watches open, one more waits for a free stream rather than starting, and
// starts as soon as one closes.
func TestGRPCMaxConcurrentStreams(t *testing.T) {
	conn := serveGRPC(t, log.NewNopLogger(), func(s *grpc.Server) {
		healthpb.RegisterHealthServer(s, health.NewServer())
	})
	client := healthpb.NewHealthClient(conn)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	cancels := make([]context.CancelFunc, maxConcurrentStreams)
	for i := range maxConcurrentStreams {
		sctx, scancel := context.WithCancel(ctx)
		cancels[i] = scancel
		w, err := client.Watch(sctx, &healthpb.HealthCheckRequest{})
		if err != nil {
			t.Fatalf("watch %d: %v", i, err)
		}
		if _, err := w.Recv(); err != nil { // the stream is open on the server
			t.Fatalf("watch %d: first answer: %v", i, err)
		}
	}

	// One more cannot start while all are open.
	short, shortCancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer shortCancel()
	w, err := client.Watch(short, &healthpb.HealthCheckRequest{})
	if err == nil {
		_, err = w.Recv()
	}
	if status.Code(err) != codes.DeadlineExceeded && !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("stream %d: err = %v, want it to wait past its deadline", maxConcurrentStreams+1, err)
	}

	// Once one closes, a new one starts.
	cancels[0]()
	next, nextCancel := context.WithTimeout(ctx, 5*time.Second)
	defer nextCancel()
	w, err = client.Watch(next, &healthpb.HealthCheckRequest{})
	if err != nil {
		t.Fatalf("watch after one closed: %v", err)
	}
	if _, err := w.Recv(); err != nil {
		t.Fatalf("watch after one closed: first answer: %v", err)
	}
}
