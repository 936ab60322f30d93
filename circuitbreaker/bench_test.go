package circuitbreaker_test

import (
	"context"
	"testing"
	"time"

	"github.com/sony/gobreaker/v2"

	"github.com/endpointkit/kit/circuitbreaker"
	"github.com/endpointkit/kit/endpoint"
)

func BenchmarkMiddleware(b *testing.B) {
	for _, tc := range []struct {
		name string
		mw   func() endpoint.Middleware
	}{
		{"bare", func() endpoint.Middleware { return func(e endpoint.Endpoint) endpoint.Endpoint { return e } }},
		{"breaker", func() endpoint.Middleware {
			return circuitbreaker.NewBreaker(circuitbreaker.Settings{}).Middleware
		}},
		{"throttle", func() endpoint.Middleware {
			return circuitbreaker.NewThrottle(circuitbreaker.ThrottleSettings{}).Middleware
		}},
		{"gobreaker", func() endpoint.Middleware {
			return circuitbreaker.Gobreaker(gobreaker.NewCircuitBreaker[any](gobreaker.Settings{}))
		}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			e := tc.mw()(endpoint.Nop)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := e(ctx, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(tc.name+"/parallel", func(b *testing.B) {
			e := tc.mw()(endpoint.Nop)
			ctx := context.Background()
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					e(ctx, nil)
				}
			})
		})
	}
}

func BenchmarkTimeNow(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = time.Now()
	}
}
