package loadbalancer_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/loadbalancer"
)

type balancerCase struct {
	name string
	new  func(loadbalancer.Endpointer) loadbalancer.Balancer
}

var balancers = []balancerCase{
	{"random", func(s loadbalancer.Endpointer) loadbalancer.Balancer { return loadbalancer.NewRandom(s, 1) }},
	{"round_robin", func(s loadbalancer.Endpointer) loadbalancer.Balancer { return loadbalancer.NewRoundRobin(s) }},
	{"p2c", func(s loadbalancer.Endpointer) loadbalancer.Balancer {
		return loadbalancer.NewP2C(s, loadbalancer.P2CSettings{})
	}},
	{"least_in_flight", func(s loadbalancer.Endpointer) loadbalancer.Balancer { return loadbalancer.NewLeastInFlight(s) }},
	{"p2c_outlier", func(s loadbalancer.Endpointer) loadbalancer.Balancer {
		return loadbalancer.NewP2C(loadbalancer.NewOutlierEndpointer(s, loadbalancer.OutlierSettings{}), loadbalancer.P2CSettings{})
	}},
	{"locality", func(s loadbalancer.Endpointer) loadbalancer.Balancer {
		return loadbalancer.NewLocality(s, loadbalancer.LocalitySettings{Zone: func(string) string { return "a" }, Local: "a"})
	}},
	{"weighted", func(s loadbalancer.Endpointer) loadbalancer.Balancer {
		return loadbalancer.NewWeighted(s, func(string) float64 { return 1 })
	}},
	{"latency_weighted", func(s loadbalancer.Endpointer) loadbalancer.Balancer {
		return loadbalancer.NewLatencyWeighted(s, loadbalancer.LatencyWeightedSettings{})
	}},
}

func fixed(names ...string) loadbalancer.FixedEndpointer {
	var eps loadbalancer.FixedEndpointer
	for _, n := range names {
		eps = append(eps, named(n))
	}
	return eps
}

// TestBalancerConformance checks the contract every Balancer keeps. Each
// case runs in a testing/synctest bubble, where calls take no time unless
// they sleep: the load-aware balancers see equal instances and spread the
// load evenly, which the checks expect. (With real time, one slow first
// call can make P2C avoid an instance for seconds, as it should.)
func TestBalancerConformance(t *testing.T) {
	for _, bc := range balancers {
		t.Run(bc.name, func(t *testing.T) {
			t.Run("empty", inBubble(func(t *testing.T) {
				if _, err := bc.new(loadbalancer.FixedEndpointer{}).Endpoint(); !errors.Is(err, loadbalancer.ErrNoEndpoints) {
					t.Errorf("Endpoint() with no instances: err = %v, want ErrNoEndpoints", err)
				}
			}))
			t.Run("endpointer_error", inBubble(func(t *testing.T) {
				boom := errors.New("discovery failed")
				s := loadbalancer.EndpointerFunc(func() ([]endpoint.Endpoint, error) { return nil, boom })
				if _, err := bc.new(s).Endpoint(); !errors.Is(err, boom) {
					t.Errorf("Endpoint() over a failing Endpointer: err = %v, want %v", err, boom)
				}
			}))
			t.Run("one", inBubble(func(t *testing.T) {
				e, err := bc.new(fixed("a")).Endpoint()
				if err != nil {
					t.Fatalf("Endpoint(): %v", err)
				}
				if got := call(t, e); got != "a" {
					t.Errorf("call = %q, want a", got)
				}
			}))
			t.Run("spreads", inBubble(func(t *testing.T) {
				b := bc.new(fixed("a", "b", "c"))
				seen := map[string]int{}
				for range 300 {
					e, err := b.Endpoint()
					if err != nil {
						t.Fatalf("Endpoint(): %v", err)
					}
					seen[call(t, e)]++
				}
				for _, n := range []string{"a", "b", "c"} {
					if seen[n] < 30 {
						t.Errorf("after 300 picks, %s got %d; want a fair share (counts %v)", n, seen[n], seen)
					}
				}
			}))
			t.Run("concurrent", inBubble(func(t *testing.T) {
				// Hammer picks and calls while the set changes underneath.
				var set atomic.Pointer[loadbalancer.FixedEndpointer]
				a, ab := fixed("a"), fixed("a", "b")
				set.Store(&a)
				s := loadbalancer.EndpointerFunc(func() ([]endpoint.Endpoint, error) { return *set.Load(), nil })
				b := bc.new(s)
				var wg sync.WaitGroup
				for g := range 8 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for i := range 500 {
							if g == 0 && i%50 == 0 {
								if i%100 == 0 {
									set.Store(&ab)
								} else {
									set.Store(&a)
								}
							}
							e, err := b.Endpoint()
							if err != nil {
								t.Errorf("Endpoint(): %v", err)
								return
							}
							if _, err := e(context.Background(), nil); err != nil {
								t.Errorf("call: %v", err)
								return
							}
						}
					}()
				}
				wg.Wait()
			}))
		})
	}
}

func TestRoundRobinOrder(t *testing.T) {
	b := loadbalancer.NewRoundRobin(fixed("a", "b", "c"))
	var got []string
	for range 6 {
		e, _ := b.Endpoint()
		got = append(got, call(t, e))
	}
	if fmt.Sprint(got) != "[a b c a b c]" {
		t.Errorf("six picks = %v, want [a b c a b c]", got)
	}
}

func TestRandomIsUniform(t *testing.T) {
	b := loadbalancer.NewRandom(fixed("a", "b", "c", "d"), 42)
	const n = 40000
	seen := map[string]float64{}
	for range n {
		e, _ := b.Endpoint()
		seen[call(t, e)]++
	}
	for k, v := range seen {
		if math.Abs(v/n-0.25) > 0.02 {
			t.Errorf("random picked %s %.3f of the time, want 0.25±0.02", k, v/n)
		}
	}
}

func TestLeastInFlightAvoidsBusy(t *testing.T) {
	block := make(chan struct{})
	started := make(chan struct{}, 1)
	busy := func(context.Context, any) (any, error) {
		started <- struct{}{}
		<-block
		return "busy", nil
	}
	b := loadbalancer.NewLeastInFlight(loadbalancer.FixedEndpointer{busy, named("idle")})
	var wg sync.WaitGroup
	for {
		e, _ := b.Endpoint()
		done := make(chan any, 1)
		wg.Add(1)
		go func() { defer wg.Done(); r, _ := e(context.Background(), nil); done <- r }()
		select {
		case <-started:
		case <-done:
			continue
		}
		break
	}
	for range 50 {
		e, _ := b.Endpoint()
		if got := call(t, e); got != "idle" {
			t.Fatalf("with busy holding a call: picked %s, want idle", got)
		}
	}
	close(block)
	wg.Wait()
}

func TestWeightedFollowsWeights(t *testing.T) {
	tests := []struct {
		name    string
		weights map[string]float64
		want    map[string]float64 // expected shares
	}{
		{"one_to_three", map[string]float64{"0": 1, "1": 3}, map[string]float64{"a": 0.25, "b": 0.75}},
		{"zero_weight_gets_nothing", map[string]float64{"0": 0, "1": 1, "2": 1}, map[string]float64{"a": 0, "b": 0.5, "c": 0.5}},
		{"all_zero_is_equal", map[string]float64{}, map[string]float64{"a": 1.0 / 3, "b": 1.0 / 3, "c": 1.0 / 3}},
		{"negative_is_zero", map[string]float64{"0": -5, "1": 1, "2": 0}, map[string]float64{"a": 0, "b": 1, "c": 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var names []string
			for n := range tc.want {
				names = append(names, n)
			}
			slices.Sort(names)
			b := loadbalancer.NewWeighted(fixed(names...), func(i string) float64 { return tc.weights[i] })
			const n = 20000
			got := map[string]float64{}
			for range n {
				e, err := b.Endpoint()
				if err != nil {
					t.Fatal(err)
				}
				got[call(t, e)]++
			}
			for name, share := range tc.want {
				if math.Abs(got[name]/n-share) > 0.02 {
					t.Errorf("%s got %.3f of the calls, want %.3f±0.02", name, got[name]/n, share)
				}
			}
		})
	}
}

func TestWeightedByInstanceName(t *testing.T) {
	var bc loadbalancer.Broadcaster
	bc.Update(loadbalancer.Event{Instances: []string{"big", "small"}})
	e := loadbalancer.NewEndpointer(&bc, func(inst string) (endpoint.Endpoint, io.Closer, error) { return named(inst), nil, nil }, nil)
	defer e.Close()
	b := loadbalancer.NewWeighted(e, func(inst string) float64 {
		if inst == "big" {
			return 9
		}
		return 1
	})
	var big int
	for range 10000 {
		ep, _ := b.Endpoint()
		if call(t, ep) == "big" {
			big++
		}
	}
	if big < 8700 || big > 9300 {
		t.Errorf("big (weight 9 of 10) got %d of 10000 calls, want about 9000", big)
	}
}
