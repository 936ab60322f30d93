package benchmarks

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	gokitendpoint "github.com/go-kit/kit/endpoint"
	gokitsd "github.com/go-kit/kit/sd"
	gokitlb "github.com/go-kit/kit/sd/lb"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/loadbalancer"
)

// The workload: pick an endpoint from n instances and call it. Each instance
// returns its index, so the contestants can be checked to spread calls over
// every instance.

func indexed(n int) []func(context.Context, any) (any, error) {
	eps := make([]func(context.Context, any) (any, error), n)
	for i := range eps {
		eps[i] = func(context.Context, any) (any, error) { return i, nil }
	}
	return eps
}

type picker func() (func(context.Context, any) (any, error), error)

type lbContestant struct {
	name string
	new  func(eps []func(context.Context, any) (any, error)) picker
}

func kitEndpointer(eps []func(context.Context, any) (any, error)) loadbalancer.FixedEndpointer {
	out := make(loadbalancer.FixedEndpointer, len(eps))
	for i, e := range eps {
		out[i] = endpoint.Endpoint(e)
	}
	return out
}

func gokitEndpointer(eps []func(context.Context, any) (any, error)) gokitsd.FixedEndpointer {
	out := make(gokitsd.FixedEndpointer, len(eps))
	for i, e := range eps {
		out[i] = gokitendpoint.Endpoint(e)
	}
	return out
}

func kitPicker(b loadbalancer.Balancer) picker {
	return func() (func(context.Context, any) (any, error), error) { return b.Endpoint() }
}

func gokitPicker(b gokitlb.Balancer) picker {
	return func() (func(context.Context, any) (any, error), error) { return b.Endpoint() }
}

var lbContestants = []lbContestant{
	{"gokit_round_robin", func(eps []func(context.Context, any) (any, error)) picker {
		return gokitPicker(gokitlb.NewRoundRobin(gokitEndpointer(eps)))
	}},
	{"gokit_random", func(eps []func(context.Context, any) (any, error)) picker {
		return gokitPicker(gokitlb.NewRandom(gokitEndpointer(eps), time.Now().UnixNano()))
	}},
	{"kit_round_robin", func(eps []func(context.Context, any) (any, error)) picker {
		return kitPicker(loadbalancer.NewRoundRobin(kitEndpointer(eps)))
	}},
	{"kit_random", func(eps []func(context.Context, any) (any, error)) picker {
		return kitPicker(loadbalancer.NewRandom(kitEndpointer(eps)))
	}},
	{"kit_least_in_flight", func(eps []func(context.Context, any) (any, error)) picker {
		return kitPicker(loadbalancer.NewLeastInFlight(kitEndpointer(eps)))
	}},
	{"kit_p2c_ewma", func(eps []func(context.Context, any) (any, error)) picker {
		return kitPicker(loadbalancer.NewP2C(kitEndpointer(eps), loadbalancer.P2CSettings{}))
	}},
	{"kit_latency_weighted", func(eps []func(context.Context, any) (any, error)) picker {
		return kitPicker(loadbalancer.NewLatencyWeighted(kitEndpointer(eps), loadbalancer.LatencyWeightedSettings{}))
	}},
}

func TestBalancersAgree(t *testing.T) {
	ctx := context.Background()
	for _, c := range lbContestants {
		pick := c.new(indexed(3))
		seen := map[any]int{}
		for range 300 {
			e, err := pick()
			if err != nil {
				t.Fatalf("impl=%s: Endpoint(): %v", c.name, err)
			}
			v, err := e(ctx, nil)
			if err != nil {
				t.Fatalf("impl=%s: call: %v", c.name, err)
			}
			seen[v]++
		}
		// The load-aware balancers may rightly starve an instance whose first
		// call happened to be slow (a scheduling hiccup is enough); each
		// instance must still have been tried.
		fair := 30
		if strings.HasPrefix(c.name, "kit_p2c") || strings.HasPrefix(c.name, "kit_least") || strings.HasPrefix(c.name, "kit_latency") {
			fair = 1
		}
		for i := range 3 {
			if seen[i] < fair {
				t.Errorf("impl=%s: instance %d got %d of 300 calls, want a fair share (%v)", c.name, i, seen[i], seen)
			}
		}
	}
}

// BenchmarkPick measures Endpoint() plus a call, over 3 and 100 instances,
// on one goroutine (Go kit's random balancer is not safe for concurrent use).
func BenchmarkPick(b *testing.B) {
	ctx := context.Background()
	for _, n := range []int{3, 100} {
		for _, c := range lbContestants {
			b.Run(fmt.Sprintf("n=%d/impl=%s", n, c.name), func(b *testing.B) {
				pick := c.new(indexed(n))
				b.ReportAllocs()
				for b.Loop() {
					e, err := pick()
					if err != nil {
						b.Fatal(err)
					}
					e(ctx, nil)
				}
			})
		}
	}
}

// BenchmarkPickParallel measures the same from every core at once, for the
// contestants that are safe for concurrent use.
func BenchmarkPickParallel(b *testing.B) {
	ctx := context.Background()
	for _, c := range lbContestants {
		if c.name == "gokit_random" {
			continue
		}
		b.Run(fmt.Sprintf("n=100/impl=%s", c.name), func(b *testing.B) {
			pick := c.new(indexed(100))
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					e, err := pick()
					if err != nil {
						b.Fatal(err)
					}
					e(ctx, nil)
				}
			})
		})
	}
}
