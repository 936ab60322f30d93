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
		for _, bc := range benchBalancers {
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
	for _, bc := range benchBalancers {
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

// benchBalancers are the balancers with their real clocks.
var benchBalancers = []balancerCase{
	balancers[0], balancers[1],
	{"p2c", func(s loadbalancer.Endpointer) loadbalancer.Balancer {
		return loadbalancer.NewP2C(s, loadbalancer.P2CSettings{})
	}},
	balancers[3],
	{"p2c_outlier", func(s loadbalancer.Endpointer) loadbalancer.Balancer {
		return loadbalancer.NewP2C(loadbalancer.NewOutlierEndpointer(s, loadbalancer.OutlierSettings{}), loadbalancer.P2CSettings{})
	}},
	{"latency_weighted", func(s loadbalancer.Endpointer) loadbalancer.Balancer {
		return loadbalancer.NewLatencyWeighted(s, loadbalancer.LatencyWeightedSettings{})
	}},
}
