package grpc_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/endpointkit/kit/circuitbreaker"
	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/loadbalancer/static"
	kitgrpc "github.com/endpointkit/kit/transport/grpc"
)

// serveNamed serves test.Named (declared by hand in this package's tests)
// as name on loopback; stop ends it.
func serveNamed(name string) (addr string, stop func()) {
	lis, _ := net.Listen("tcp", "127.0.0.1:0")
	s := grpc.NewServer()
	s.RegisterService(&namedDesc, &namedServer{name: name})
	go func() { _ = s.Serve(lis) }()
	return lis.Addr().String(), s.Stop
}

// ExampleUnaryClientInterceptor puts a circuit breaker around every call of
// an existing grpc client: Unavailable counts against the server,
// InvalidArgument does not, and once open the breaker refuses calls with
// ResourceExhausted.
func ExampleUnaryClientInterceptor() {
	addr, stop := serveNamed("a")
	defer stop()
	breaker := circuitbreaker.NewBreaker(circuitbreaker.Settings{MinRequests: 4, OpenFor: time.Minute})
	conn, _ := grpc.NewClient(addr,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithChainUnaryInterceptor(kitgrpc.UnaryClientInterceptor(breaker.Middleware)))
	defer conn.Close()

	for _, in := range []string{"invalid", "invalid", "invalid", "invalid", "unavailable", "unavailable", "unavailable", "unavailable", "hello"} {
		out := new(wrapperspb.StringValue)
		err := conn.Invoke(context.Background(), "/test.Named/Do", wrapperspb.String(in), out)
		fmt.Println(in, status.Code(err), errors.Is(err, circuitbreaker.ErrOpen))
	}
	// Output:
	// invalid InvalidArgument false
	// invalid InvalidArgument false
	// invalid InvalidArgument false
	// invalid InvalidArgument false
	// unavailable Unavailable false
	// unavailable Unavailable false
	// unavailable Unavailable false
	// unavailable Unavailable false
	// hello ResourceExhausted true
}

// ExampleStreamClientInterceptor runs a middleware around the opening of
// every stream: here one that refuses streams while a flag is set, as a
// breaker or a limiter would.
func ExampleStreamClientInterceptor() {
	addr, stop := serveNamed("a")
	defer stop()
	var closed atomic.Bool
	gate := func(next endpoint.Endpoint) endpoint.Endpoint {
		return func(ctx context.Context, desc any) (any, error) {
			if closed.Load() {
				return nil, circuitbreaker.ErrOpen
			}
			return next(ctx, desc)
		}
	}
	conn, _ := grpc.NewClient(addr,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithChainStreamInterceptor(kitgrpc.StreamClientInterceptor(gate)))
	defer conn.Close()
	desc := &grpc.StreamDesc{StreamName: "Count", ServerStreams: true}

	count := func() {
		cs, err := conn.NewStream(context.Background(), desc, "/test.Named/Count")
		if err != nil {
			fmt.Println("refused:", status.Code(err))
			return
		}
		cs.SendMsg(wrapperspb.Int32(2))
		cs.CloseSend()
		for {
			m := new(wrapperspb.StringValue)
			if cs.RecvMsg(m) != nil {
				return
			}
			fmt.Println("message from", m.Value)
		}
	}
	count()
	closed.Store(true)
	count()
	// Output:
	// message from a
	// message from a
	// refused: ResourceExhausted
}

// ExampleNewResolver feeds a ClientConn from a kit discovery source: here
// a static list, in a program dnssrv, etcd, consul or zk. grpc's
// round_robin spreads calls over the instances, and follows discovery as
// instances come and go.
func ExampleNewResolver() {
	addrA, stopA := serveNamed("a")
	defer stopA()
	addrB, stopB := serveNamed("b")
	defer stopB()
	instancer := static.NewInstancer([]string{addrA, addrB})

	conn, _ := grpc.NewClient("kit:///named",
		grpc.WithResolvers(kitgrpc.NewResolver("kit", instancer)),
		grpc.WithDefaultServiceConfig(`{"loadBalancingConfig": [{"round_robin":{}}]}`),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	defer conn.Close()

	seen := map[string]bool{}
	for len(seen) < 2 { // until both connections are ready
		out := new(wrapperspb.StringValue)
		if err := conn.Invoke(context.Background(), "/test.Named/Do", wrapperspb.String("hi"), out); err != nil {
			fmt.Println(err)
			return
		}
		seen[out.Value] = true
	}
	fmt.Println(len(seen), "instances served")
	// Output:
	// 2 instances served
}
