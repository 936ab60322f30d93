package loadbalancer_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/loadbalancer"
)

// BenchmarkPick measures Endpoint() plus a call of the picked endpoint for
// each balancer over 3 and 100 instances. The pick path must not allocate.
func BenchmarkPick(b *testing.B) {
	ctx := context.Background()
	for _, n := range []int{3, 100} {
		eps := make(loadbalancer.FixedEndpointer, n)
		for i := range eps {
			eps[i] = endpoint.Nop
		}
		for _, bc := range balancers {
			b.Run(fmt.Sprintf("n=%d/impl=%s", n, bc.name), func(b *testing.B) {
				bal := bc.new(eps)
				b.ReportAllocs()
				for b.Loop() {
					e, err := bal.Endpoint()
					if err != nil {
						b.Fatal(err)
					}
					e(ctx, nil)
				}
			})
		}
	}
}

func TestPickDoesNotAllocate(t *testing.T) {
	ctx := context.Background()
	eps := loadbalancer.FixedEndpointer{endpoint.Nop, endpoint.Nop, endpoint.Nop}
	for _, bc := range balancers {
		bal := bc.new(eps)
		allocs := testing.AllocsPerRun(100, func() {
			e, _ := bal.Endpoint()
			e(ctx, nil)
		})
		if allocs != 0 {
			t.Errorf("%s: Endpoint() + call allocates %v times, want 0", bc.name, allocs)
		}
	}
}
