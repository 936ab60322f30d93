package grpc_test

import (
	"context"
	"fmt"
	"net"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/endpointkit/kit/endpoint"
	kitgrpc "github.com/endpointkit/kit/transport/grpc"
)

// Example serves an endpoint as the method test.Echo/Upper and calls it
// back through a Client. (The service is declared by hand in this package's
// tests; a real one comes from generated code, see examples/addsvc.)
func Example() {
	upper := endpoint.FromFunc(func(_ context.Context, s string) (string, error) {
		return strings.ToUpper(s), nil
	})
	srv := kitgrpc.NewServer(upper,
		func(_ context.Context, req any) (any, error) { return req.(*wrapperspb.StringValue).Value, nil },
		func(_ context.Context, resp any) (any, error) { return wrapperspb.String(resp.(string)), nil })

	lis, _ := net.Listen("tcp", "127.0.0.1:0")
	s := grpc.NewServer()
	s.RegisterService(&echoDesc, echo{upper: srv})
	go func() { _ = s.Serve(lis) }()
	defer s.Stop()

	conn, _ := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	defer conn.Close()
	client := kitgrpc.NewClient(conn, "test.Echo", "Upper",
		func(_ context.Context, req any) (any, error) { return wrapperspb.String(req.(string)), nil },
		func(_ context.Context, reply any) (any, error) { return reply.(*wrapperspb.StringValue).Value, nil },
		&wrapperspb.StringValue{})
	call := endpoint.ToFunc[string, string](client.Endpoint())

	fmt.Println(call(context.Background(), "hello"))
	// Output: HELLO <nil>
}
