package loadbalancer_test

import (
	"context"
	"fmt"
	"io"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/loadbalancer"
)

// Tests of P2C's cost model. They run in testing/synctest bubbles, where
// an endpoint that sleeps d takes exactly d.

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

// TestP2CAvoidsFastFailures: an instance that fails at once (a refused
// connection, an open breaker) must not look like the fastest instance.
// Before a failed call counted as Penalty, P2C sent most calls to it: its
// sub-microsecond "latency" beat a healthy 1ms, and the retries that each
// failure cost ran out of budget (addsvc's chaos test, kill -9, saw it).
func TestP2CAvoidsFastFailures(t *testing.T) {
	refused := fmt.Errorf("dial: %w", endpoint.WithOutcome(io.ErrUnexpectedEOF, endpoint.Outcome{Kind: endpoint.DependencyFailure, Retryable: true}))
	for _, tc := range []struct {
		name     string
		fail     error
		maxShare int // of 1000 picks
	}{
		{"dependency failure", refused, 30},
		{"overload refusal", endpoint.WithOutcome(io.EOF, endpoint.Outcome{Kind: endpoint.Overloaded, Retryable: true}), 30},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				b := loadbalancer.NewP2C(loadbalancer.FixedEndpointer{
					latencyEndpoint("ok1", time.Millisecond),
					latencyEndpoint("ok2", time.Millisecond),
					func(context.Context, any) (any, error) { return nil, tc.fail },
				}, loadbalancer.P2CSettings{})
				counts := map[string]int{}
				for range 1000 {
					e, err := b.Endpoint()
					if err != nil {
						t.Fatal(err)
					}
					resp, err := e(context.Background(), nil)
					if err != nil {
						counts["failing"]++
						continue
					}
					counts[resp.(string)]++
					time.Sleep(time.Millisecond) // calls spread in time, as in a real load
				}
				if counts["failing"] > tc.maxShare {
					t.Errorf("instance failing at once got %d of 1000 picks, want at most %d (counts %v)", counts["failing"], tc.maxShare, counts)
				}
			})
		})
	}
}

// TestP2CCallerErrorsDoNotPenalise: a call the caller gave up on (its own
// cancellation, a bad request) says nothing against the instance.
func TestP2CCallerErrorsDoNotPenalise(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bad := endpoint.WithOutcome(io.EOF, endpoint.Outcome{Kind: endpoint.CallerError})
		b := loadbalancer.NewP2C(loadbalancer.FixedEndpointer{
			latencyEndpoint("slow", 10*time.Millisecond),
			func(ctx context.Context, req any) (any, error) { time.Sleep(time.Millisecond); return nil, bad },
		}, loadbalancer.P2CSettings{})
		counts := map[string]int{}
		for range 100 {
			e, _ := b.Endpoint()
			resp, err := e(context.Background(), nil)
			if err != nil {
				counts["caller-error"]++
				continue
			}
			counts[resp.(string)]++
		}
		if counts["caller-error"] < 90 {
			t.Errorf("instance answering 4xx in 1ms got %d of 100 picks, want most (a caller error is not its failure; counts %v)", counts["caller-error"], counts)
		}
	})
}
