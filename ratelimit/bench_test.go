package ratelimit_test

import (
	"context"
	"math"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/ratelimit"
)

func BenchmarkMiddleware(b *testing.B) {
	for _, tc := range []struct {
		name string
		mw   func() endpoint.Middleware
	}{
		{"bare", func() endpoint.Middleware { return func(e endpoint.Endpoint) endpoint.Endpoint { return e } }},
		{"erroring", func() endpoint.Middleware {
			return ratelimit.NewErroringLimiter(rate.NewLimiter(rate.Limit(math.MaxFloat64), 1))
		}},
		{"delaying", func() endpoint.Middleware {
			return ratelimit.NewDelayingLimiter(rate.NewLimiter(rate.Limit(math.MaxFloat64), 1))
		}},
		{"bulkhead", func() endpoint.Middleware { return ratelimit.NewBulkhead(1 << 20).Middleware }},
		{"adaptive", func() endpoint.Middleware {
			return ratelimit.NewAdaptive(ratelimit.AdaptiveSettings{Initial: 1 << 20, Max: 1 << 20}).Middleware
		}},
		{"keyed", func() endpoint.Middleware {
			k := ratelimit.NewKeyed(func(string) ratelimit.Allower { return ratelimit.AllowerFunc(func() bool { return true }) }, ratelimit.KeyedSettings{})
			return k.Middleware(func(context.Context) string { return "caller" })
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
