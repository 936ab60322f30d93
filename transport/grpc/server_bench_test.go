package grpc_test

import (
	"context"
	"testing"

	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/endpointkit/kit/endpoint"
	kitgrpc "github.com/endpointkit/kit/transport/grpc"
)

// BenchmarkServeGRPC measures what a Server adds around an endpoint, with
// identity codecs: no allocation of its own.
func BenchmarkServeGRPC(b *testing.B) {
	identity := func(_ context.Context, v any) (any, error) { return v, nil }
	srv := kitgrpc.NewServer(endpoint.Nop, identity, identity)
	req := wrapperspb.String("x")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := srv.ServeGRPC(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}
