package grpc_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/metrics/generic"
	"github.com/endpointkit/kit/metrics/instrument"
	"github.com/endpointkit/kit/ratelimit"
	kitgrpc "github.com/endpointkit/kit/transport/grpc"
)

// serveExample serves plainEcho and the Count stream with the given
// options on loopback and returns a connection; stop ends both.
func serveExample(opts ...grpc.ServerOption) (conn *grpc.ClientConn, stop func()) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	s := grpc.NewServer(opts...)
	s.RegisterService(&echoDesc, plainEcho{})
	s.RegisterService(&streamDesc, nil)
	done := make(chan struct{})
	go func() { defer close(done); _ = s.Serve(lis) }()
	conn, err = grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		panic(err)
	}
	return conn, func() { conn.Close(); s.Stop(); <-done }
}

// A plain grpc-go service (no Endpoints) behind a rate limit: the refusal
// reaches the client as ResourceExhausted; the handler's own statuses pass
// through unchanged.
func ExampleUnaryServerInterceptor() {
	var mu sync.Mutex
	n := 0
	limit := ratelimit.NewErroringLimiter(ratelimit.AllowerFunc(func() bool { // two calls, then none
		mu.Lock()
		defer mu.Unlock()
		n++
		return n <= 2
	}))
	conn, stop := serveExample(grpc.ChainUnaryInterceptor(kitgrpc.UnaryServerInterceptor(limit)))
	defer stop()

	for _, in := range []string{"hello", "invalid", "again"} {
		out := new(wrapperspb.StringValue)
		err := conn.Invoke(context.Background(), "/test.Echo/Upper", wrapperspb.String(in), out)
		fmt.Println(out.GetValue(), status.Code(err))
	}
	// Output:
	// OK hello OK
	//  InvalidArgument
	//  ResourceExhausted
}

// A middleware that adds to the context: the stream's handler reads it
// from stream.Context().
func ExampleStreamServerInterceptor() {
	tenant := func(next endpoint.Endpoint) endpoint.Endpoint {
		return func(ctx context.Context, req any) (any, error) {
			return next(context.WithValue(ctx, ctxKey{}, "tenant-7"), req)
		}
	}
	conn, stop := serveExample(grpc.ChainStreamInterceptor(kitgrpc.StreamServerInterceptor(tenant)))
	defer stop()

	got, err := streamCount(context.Background(), conn, "3")
	fmt.Println(got, err)
	// Output: [tenant-7 3] <nil>
}

// Call metrics with go-grpc-prometheus' names. With Prometheus the
// recorder comes from kitprom.NewGRPCServerMetrics(reg, nil).
func ExampleServerMetrics() {
	handled := generic.NewCounter("grpc_server_handled_total")
	m := instrument.NewRPC(instrument.Prometheus, handled, generic.NewHistogram("grpc_server_handling_seconds"))
	conn, stop := serveExample(grpc.ChainUnaryInterceptor(kitgrpc.UnaryServerInterceptor(kitgrpc.ServerMetrics(m))))
	defer stop()

	_ = conn.Invoke(context.Background(), "/test.Echo/Upper", wrapperspb.String("x"), new(wrapperspb.StringValue))
	_ = conn.Invoke(context.Background(), "/test.Echo/Upper", wrapperspb.String("invalid"), new(wrapperspb.StringValue))
	handled.Each(func(c *generic.Counter) {
		if c.Value() > 0 {
			fmt.Println(c.LabelValues(), c.Value())
		}
	})
	// Unordered output:
	// [grpc_type unary grpc_service test.Echo grpc_method Upper grpc_code OK] 1
	// [grpc_type unary grpc_service test.Echo grpc_method Upper grpc_code InvalidArgument] 1
}

// An access log through a plain *slog.Logger, at a level that follows the
// outcome.
func ExampleServerAccessLog() {
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			switch a.Key {
			case slog.TimeKey, "duration", "peer": // vary from run to run
				return slog.Attr{}
			}
			return a
		},
	}))
	conn, stop := serveExample(grpc.ChainUnaryInterceptor(kitgrpc.UnaryServerInterceptor(kitgrpc.ServerAccessLog(logger))))
	defer stop()

	_ = conn.Invoke(context.Background(), "/test.Echo/Upper", wrapperspb.String("x"), new(wrapperspb.StringValue))
	_ = conn.Invoke(context.Background(), "/test.Echo/Upper", wrapperspb.String("unavailable"), new(wrapperspb.StringValue))
	// Output:
	// level=INFO msg="grpc call" method=/test.Echo/Upper type=unary code=OK outcome=success
	// level=ERROR msg="grpc call" method=/test.Echo/Upper type=unary code=Unavailable outcome=dependency_failure
}
