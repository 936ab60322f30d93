package grpc_test

import (
	"context"
	"testing"
	"time"

	"golang.org/x/time/rate"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/endpointkit/kit/circuitbreaker"
	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/metrics/discard"
	"github.com/endpointkit/kit/metrics/instrument"
	"github.com/endpointkit/kit/ratelimit"
	kitgrpc "github.com/endpointkit/kit/transport/grpc"
)

// handWrittenUnary is the breaker and limiter of the interceptor's
// benchmark written directly as a grpc-go interceptor, with the same
// classification.
func handWrittenUnary(b *circuitbreaker.Breaker, l *rate.Limiter) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		if !l.Allow() {
			return nil, status.Error(codes.ResourceExhausted, ratelimit.ErrLimited.Error())
		}
		t, err := b.AllowAt(time.Now())
		if err != nil {
			return nil, status.Error(codes.ResourceExhausted, err.Error())
		}
		resp, err := handler(ctx, req)
		b.DoneAt(t, time.Now(), kitgrpc.OutcomeOfCode(status.Code(err)))
		return resp, err
	}
}

// BenchmarkUnaryServerInterceptor calls the interceptors as grpc-go does,
// without the network: bare is the handler alone, kit-nop the adapter's
// own cost, then a breaker and a limiter through the adapter and by hand,
// and the metrics middleware.
func BenchmarkUnaryServerInterceptor(b *testing.B) {
	reply := wrapperspb.String("ok")
	handler := func(context.Context, any) (any, error) { return reply, nil }
	resilient := func() (*circuitbreaker.Breaker, *rate.Limiter) {
		return circuitbreaker.NewBreaker(circuitbreaker.Settings{}), rate.NewLimiter(rate.Inf, 1)
	}
	bare := func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		return h(ctx, req)
	}
	cases := []struct {
		name string
		icpt func() grpc.UnaryServerInterceptor
	}{
		{"bare", func() grpc.UnaryServerInterceptor { return bare }},
		{"kit-nop", func() grpc.UnaryServerInterceptor {
			return kitgrpc.UnaryServerInterceptor(func(next endpoint.Endpoint) endpoint.Endpoint { return next })
		}},
		{"handwritten-breaker-limit", func() grpc.UnaryServerInterceptor { return handWrittenUnary(resilient()) }},
		{"kit-breaker-limit", func() grpc.UnaryServerInterceptor {
			br, l := resilient()
			return kitgrpc.UnaryServerInterceptor(endpoint.Chain(ratelimit.NewErroringLimiter(l), br.Middleware))
		}},
		{"kit-metrics", func() grpc.UnaryServerInterceptor {
			m := instrument.NewRPC(instrument.Prometheus, discard.NewCounter(), discard.NewHistogram())
			return kitgrpc.UnaryServerInterceptor(kitgrpc.ServerMetrics(m))
		}},
	}
	info := &grpc.UnaryServerInfo{FullMethod: "/test.Echo/Upper"}
	req := wrapperspb.String("x")
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			icpt := c.icpt()
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				_, _ = icpt(ctx, req, info, handler)
			}
		})
	}
}
