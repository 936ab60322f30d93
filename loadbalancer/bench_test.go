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

// benchBalancers are the balancers measured: all of them, each reading
// the real clock.
var benchBalancers = balancers

// BenchmarkRetryWith measures RetryWith's success path (one attempt) over
// each balancer and 3 instances, unnamed (a FixedEndpointer, named by
// position) and named (a TargetEndpointer): the first pick goes through the
// same naming pick as the retries.
func BenchmarkRetryWith(b *testing.B) {
	ctx := context.Background()
	eps := loadbalancer.FixedEndpointer{endpoint.Nop, endpoint.Nop, endpoint.Nop}
	ts := []loadbalancer.Target{{"a", eps[0]}, {"b", eps[1]}, {"c", eps[2]}}
	sources := []struct {
		name string
		src  loadbalancer.Endpointer
	}{
		{"unnamed", eps},
		{"named", targetsFunc(func() ([]loadbalancer.Target, error) { return ts, nil })},
	}
	for _, src := range sources {
		for _, bc := range benchBalancers {
			b.Run(fmt.Sprintf("src=%s/impl=%s", src.name, bc.name), func(b *testing.B) {
				call := loadbalancer.RetryWith(bc.new(src.src), loadbalancer.RetrySettings{})
				b.ReportAllocs()
				for b.Loop() {
					if _, err := call(ctx, nil); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
