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
	"testing/synctest"
	"time"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/loadbalancer"
)

type balancerCase struct {
	name string
	new  func(loadbalancer.Endpointer) loadbalancer.Balancer
}

var balancers = []balancerCase{
	{"random", func(s loadbalancer.Endpointer) loadbalancer.Balancer { return loadbalancer.NewRandom(s) }},
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
	b := loadbalancer.NewRandom(fixed("a", "b", "c", "d"))
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

// latencyEndpoint sleeps d during each call: in a testing/synctest bubble
// the fake clock moves by exactly d, so the balancer measures d as the
// call's latency.
func latencyEndpoint(name string, d time.Duration) endpoint.Endpoint {
	return func(context.Context, any) (any, error) {
		time.Sleep(d)
		return name, nil
	}
}

func TestP2CPrefersFastInstances(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		eps := loadbalancer.FixedEndpointer{
			latencyEndpoint("fast1", 10*time.Millisecond),
			latencyEndpoint("fast2", 10*time.Millisecond),
			latencyEndpoint("slow", time.Second),
		}
		b := loadbalancer.NewP2C(eps, loadbalancer.P2CSettings{})
		counts := map[string]int{}
		for range 1000 {
			e, err := b.Endpoint()
			if err != nil {
				t.Fatal(err)
			}
			counts[call(t, e)]++
		}
		// After one probe, slow is picked only when both draws are slow, which
		// cannot happen with distinct draws; its decayed cost must first fall
		// below the fast ones' (1s·e^(-t/10s) < 10ms takes ~46s of calls).
		if counts["slow"] > 30 {
			t.Errorf("slow instance got %d of 1000 picks, want few (counts %v)", counts["slow"], counts)
		}
		if counts["fast1"] < 400 || counts["fast2"] < 400 {
			t.Errorf("fast instances got %v, want each about half", counts)
		}
	})
}

// TestP2CProbesSlowOnce: each of two instances is probed once, then the
// slow one is avoided (it was ExampleNewP2C's output when P2C took a clock).
func TestP2CProbesSlowOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := loadbalancer.NewP2C(loadbalancer.FixedEndpointer{
			latencyEndpoint("fast", 10*time.Millisecond),
			latencyEndpoint("slow", time.Second),
		}, loadbalancer.P2CSettings{})
		counts := map[string]int{}
		for range 100 {
			e, err := b.Endpoint()
			if err != nil {
				t.Fatal(err)
			}
			counts[call(t, e)]++
		}
		if counts["fast"] != 99 || counts["slow"] != 1 {
			t.Errorf("100 picks of fast (10ms) and slow (1s): counts %v, want fast 99, slow 1", counts)
		}
	})
}

func TestP2CDecayForgivesSlowness(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		slowNow := true
		eps := loadbalancer.FixedEndpointer{
			latencyEndpoint("fast", 10*time.Millisecond),
			func(ctx context.Context, req any) (any, error) {
				if slowNow {
					time.Sleep(time.Second)
				} else {
					time.Sleep(10 * time.Millisecond)
				}
				return "was_slow", nil
			},
		}
		b := loadbalancer.NewP2C(eps, loadbalancer.P2CSettings{Decay: 10 * time.Second})
		// Both get probed once.
		for range 2 {
			e, _ := b.Endpoint()
			call(t, e)
		}
		e, _ := b.Endpoint()
		if got := call(t, e); got != "fast" {
			t.Fatalf("right after a 1s response: picked %s, want fast", got)
		}
		slowNow = false
		// A minute without calls decays both costs alike (by e^-6), so the fast
		// one still wins the next pick; its call refreshes its cost to 10ms,
		// while the once-slow one has decayed to 1s·e^-6 ≈ 2.5ms and now wins.
		time.Sleep(time.Minute)
		var got []string
		for range 2 {
			e, _ := b.Endpoint()
			got = append(got, call(t, e))
		}
		if fmt.Sprint(got) != "[fast was_slow]" {
			t.Errorf("picks a minute after the slow response = %v, want [fast was_slow]", got)
		}
	})
}

func TestP2CPenalisesBusyNewInstances(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// A new instance with a call in flight and no answer yet costs Penalty,
		// so it does not take every pick while its first call hangs.
		block := make(chan struct{})
		started := make(chan struct{})
		eps := loadbalancer.FixedEndpointer{
			latencyEndpoint("known", 50*time.Millisecond),
			func(context.Context, any) (any, error) {
				close(started)
				<-block
				return "new", nil
			},
		}
		b := loadbalancer.NewP2C(eps, loadbalancer.P2CSettings{Penalty: time.Second})
		// Make "known" known, and start one hanging call on "new".
		var wg sync.WaitGroup
		for i := 0; ; i++ {
			e, _ := b.Endpoint()
			resp, _ := func() (any, error) {
				// Run calls to the blocking endpoint in the background.
				done := make(chan struct{})
				var r any
				wg.Add(1)
				go func() {
					defer wg.Done()
					defer close(done)
					r, _ = e(context.Background(), nil)
				}()
				select {
				case <-done:
					return r, nil
				case <-started:
					return nil, nil
				}
			}()
			if resp == nil {
				break
			}
			if i > 100 {
				t.Fatal("new instance never probed")
			}
		}
		for range 50 {
			e, _ := b.Endpoint()
			if got := call(t, e); got != "known" {
				t.Fatalf("while the new instance's first call hangs: picked %s, want known", got)
			}
		}
		close(block)
		wg.Wait()
	})
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

func TestP2CKeepsStatsAcrossUpdates(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// Over a TargetEndpointer, what P2C learned about an instance survives a
		// discovery update that keeps the instance.
		var bc loadbalancer.Broadcaster
		bc.Update(loadbalancer.Event{Instances: []string{"fast", "slow"}})
		factory := func(inst string) (endpoint.Endpoint, io.Closer, error) {
			d := 10 * time.Millisecond
			if inst == "slow" {
				d = time.Second
			}
			return latencyEndpoint(inst, d), nil, nil
		}
		e := loadbalancer.NewEndpointer(&bc, factory, nil)
		defer e.Close()
		b := loadbalancer.NewP2C(e, loadbalancer.P2CSettings{})
		for range 4 { // both probed
			ep, _ := b.Endpoint()
			call(t, ep)
		}
		bc.Update(loadbalancer.Event{Instances: []string{"fast", "slow", "fast2"}})
		waitFor(t, "fast2 to join", func() bool { eps, _ := e.Endpoints(); return len(eps) == 3 })
		counts := map[string]int{}
		for range 300 {
			ep, _ := b.Endpoint()
			counts[call(t, ep)]++
		}
		if counts["slow"] > 10 {
			t.Errorf("after an update that kept slow: it got %d of 300 picks, want few (P2C forgot it was slow); counts %v", counts["slow"], counts)
		}
	})
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
