package grpc_test

import (
	"context"
	"testing"

	"google.golang.org/grpc"

	"github.com/endpointkit/kit/endpoint"
	kitgrpc "github.com/endpointkit/kit/transport/grpc"
)

// BenchmarkUnaryClientInterceptor is the interceptor's own cost: a call
// through it to an invoker that does nothing, with a pass-through
// middleware (one allocation: the call's context).
func BenchmarkUnaryClientInterceptor(b *testing.B) {
	icpt := kitgrpc.UnaryClientInterceptor(func(next endpoint.Endpoint) endpoint.Endpoint { return next })
	invoker := func(context.Context, string, any, any, *grpc.ClientConn, ...grpc.CallOption) error { return nil }
	ctx := context.Background()
	var req, reply struct{}
	b.ReportAllocs()
	for b.Loop() {
		if err := icpt(ctx, "/test.Named/Do", &req, &reply, nil, invoker); err != nil {
			b.Fatal(err)
		}
	}
}
