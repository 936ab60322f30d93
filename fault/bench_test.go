package fault_test

import (
	"context"
	"math"
	"testing"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/fault"
)

func BenchmarkInjector(b *testing.B) {
	for _, bc := range []struct {
		name string
		s    fault.Settings
	}{
		{"disabled", fault.Settings{}},
		{"miss", fault.Settings{Latency: fault.Latency{Trigger: fault.Trigger{Every: math.MaxUint64}, Fixed: 1}}},
		{"error p=0.01", fault.Settings{Error: fault.Failure{Trigger: fault.Trigger{Probability: 0.01}}}},
		{"error", fault.Settings{Error: fault.Failure{Trigger: always}}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			in := mustInjector(b, bc.s, 1)
			e := in.Middleware()(endpoint.Nop)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				_, _ = e(ctx, nil)
			}
		})
	}
}

// BenchmarkBare is the endpoint without the middleware, for comparison.
func BenchmarkBare(b *testing.B) {
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_, _ = endpoint.Nop(ctx, nil)
	}
}
