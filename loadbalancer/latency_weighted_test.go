package loadbalancer_test

import (
	"context"
	"io"
	"math"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/loadbalancer"
)

// shares picks and calls n times and returns each answer's share.
func shares(t *testing.T, b loadbalancer.Balancer, n int) map[string]float64 {
	t.Helper()
	got := map[string]float64{}
	for range n {
		e, err := b.Endpoint()
		if err != nil {
			t.Fatal(err)
		}
		got[call(t, e)] += 1 / float64(n)
	}
	return got
}

func TestLatencyWeightedFollowsLatency(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// Weights 1/10ms : 1/10ms : 1/40ms = 4 : 4 : 1.
		eps := loadbalancer.FixedEndpointer{
			latencyEndpoint("a", 10*time.Millisecond),
			latencyEndpoint("b", 10*time.Millisecond),
			latencyEndpoint("slow", 40*time.Millisecond),
		}
		b := loadbalancer.NewLatencyWeighted(eps, loadbalancer.LatencyWeightedSettings{})
		shares(t, b, 100) // learn
		got := shares(t, b, 20000)
		want := map[string]float64{"a": 4.0 / 9, "b": 4.0 / 9, "slow": 1.0 / 9}
		for name, share := range want {
			if math.Abs(got[name]-share) > 0.02 {
				t.Errorf("%s got %.3f of the calls, want %.3f±0.02 (shares %v)", name, got[name], share, got)
			}
		}
	})
}

// TestLatencyWeightedThreeToOne: weights 1/10ms and 1/30ms give about
// three calls to fast for one to slow (it was ExampleNewLatencyWeighted's
// output when the balancer took a clock).
func TestLatencyWeightedThreeToOne(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := loadbalancer.NewLatencyWeighted(loadbalancer.FixedEndpointer{
			latencyEndpoint("fast", 10*time.Millisecond),
			latencyEndpoint("slow", 30*time.Millisecond),
		}, loadbalancer.LatencyWeightedSettings{})
		counts := map[string]float64{}
		for range 4000 {
			e, err := b.Endpoint()
			if err != nil {
				t.Fatal(err)
			}
			counts[call(t, e)]++
		}
		if ratio := counts["fast"] / counts["slow"]; ratio <= 2.5 || ratio >= 3.5 {
			t.Errorf("4000 picks of fast (10ms) and slow (30ms): ratio %.2f (counts %v), want 3±0.5", ratio, counts)
		}
	})
}

func TestLatencyWeightedFloor(t *testing.T) {
	// A 100x slower instance would get ~1% by latency alone; the floor
	// keeps it at Floor (here 10%) of the mean weight: 0.1·(w+w/100)/2
	// against w, about 5% of the calls.
	tests := []struct {
		name     string
		floor    float64
		min, max float64
	}{
		{"floor_10pct", 0.1, 0.035, 0.07},
		{"no_floor", -1, 0.002, 0.02},
	}
	for _, tc := range tests {
		t.Run(tc.name, inBubble(func(t *testing.T) {
			eps := loadbalancer.FixedEndpointer{
				latencyEndpoint("fast", time.Millisecond),
				latencyEndpoint("slow", 100*time.Millisecond),
			}
			b := loadbalancer.NewLatencyWeighted(eps, loadbalancer.LatencyWeightedSettings{
				Floor: tc.floor, Refresh: 10 * time.Millisecond, Decay: time.Hour,
			})
			shares(t, b, 100)
			got := shares(t, b, 20000)
			if got["slow"] < tc.min || got["slow"] > tc.max {
				t.Errorf("slow got %.4f of the calls, want within [%v, %v] (shares %v)", got["slow"], tc.min, tc.max, got)
			}
		}))
	}
}

func TestLatencyWeightedDecaysToMean(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// After a long silence, what was learned is forgotten: both instances
		// drift back to the mean and share equally until new samples arrive.
		var timed atomic.Bool
		timed.Store(true)
		ep := func(name string, d time.Duration) endpoint.Endpoint {
			return func(context.Context, any) (any, error) {
				if timed.Load() {
					time.Sleep(d)
				}
				return name, nil
			}
		}
		eps := loadbalancer.FixedEndpointer{ep("fast", time.Millisecond), ep("slow", 50*time.Millisecond)}
		b := loadbalancer.NewLatencyWeighted(eps, loadbalancer.LatencyWeightedSettings{Decay: time.Second})
		shares(t, b, 200)
		timed.Store(false) // calls take no time: one table serves every pick
		time.Sleep(time.Millisecond)
		if got := shares(t, b, 5000); got["slow"] > 0.1 {
			t.Fatalf("right after learning: slow got %.3f of the calls, want < 0.1", got["slow"])
		}
		time.Sleep(time.Minute) // 60 Decays
		if got := shares(t, b, 10000); math.Abs(got["slow"]-0.5) > 0.03 {
			t.Errorf("a minute later: slow got %.3f of the calls, want 0.5±0.03 (forgotten)", got["slow"])
		}
	})
}

func TestLatencyWeightedNewInstanceStartsAtMean(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var timed atomic.Bool
		timed.Store(true)
		lat := map[string]time.Duration{"fast": 10 * time.Millisecond, "slow": 30 * time.Millisecond, "new": 10 * time.Millisecond}
		factory := func(inst string) (endpoint.Endpoint, io.Closer, error) {
			return func(context.Context, any) (any, error) {
				if timed.Load() {
					time.Sleep(lat[inst])
				}
				return inst, nil
			}, nil, nil
		}
		var bc loadbalancer.Broadcaster
		bc.Update(loadbalancer.Event{Instances: []string{"fast", "slow"}})
		e := loadbalancer.NewEndpointer(&bc, factory, nil)
		defer e.Close()
		b := loadbalancer.NewLatencyWeighted(e, loadbalancer.LatencyWeightedSettings{})
		shares(t, b, 200)
		timed.Store(false) // the table built on the update serves every pick
		bc.Update(loadbalancer.Event{Instances: []string{"fast", "slow", "new"}})
		waitFor(t, "new to join", func() bool { eps, _ := e.Endpoints(); return len(eps) == 3 })
		// Weights 1/10ms, 1/30ms and, for new, their mean 1/15ms: 3 : 1 : 2.
		got := shares(t, b, 20000)
		want := map[string]float64{"fast": 0.5, "slow": 1.0 / 6, "new": 1.0 / 3}
		for name, share := range want {
			if math.Abs(got[name]-share) > 0.02 {
				t.Errorf("%s got %.3f of the calls, want %.3f±0.02 (shares %v)", name, got[name], share, got)
			}
		}
	})
}

func TestLatencyWeightedAvoidsStuckInstance(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// Calls in flight count at their age: an instance whose calls hang
		// loses its share at the next refresh, before any of them returns.
		block := make(chan struct{})
		var stuck atomic.Bool
		var wg sync.WaitGroup
		defer wg.Wait()
		defer close(block)
		started := make(chan struct{}, 100)
		eps := loadbalancer.FixedEndpointer{
			latencyEndpoint("ok", 10*time.Millisecond),
			func(context.Context, any) (any, error) {
				if stuck.CompareAndSwap(true, false) { // only one call hangs
					started <- struct{}{}
					<-block
				} else {
					time.Sleep(10 * time.Millisecond)
				}
				return "stuck", nil
			},
		}
		b := loadbalancer.NewLatencyWeighted(eps, loadbalancer.LatencyWeightedSettings{Refresh: time.Millisecond})
		shares(t, b, 100)
		stuck.Store(true)
		for { // leave one call hanging on "stuck"
			e, _ := b.Endpoint()
			done := make(chan struct{})
			wg.Add(1)
			go func() { defer wg.Done(); defer close(done); e(context.Background(), nil) }()
			select {
			case <-started:
			case <-done:
				continue
			}
			break
		}
		time.Sleep(10 * time.Second) // the hanging call is 10s old: weight 1/10s
		got := shares(t, b, 2000)
		if got["stuck"] > 0.05 {
			t.Errorf("while its call hangs for 10s: stuck got %.3f of the calls, want < 0.05", got["stuck"])
		}
	})
}

// TestLatencyWeightedHammer races picks, calls, refreshes on every pick and
// discovery updates; run it with -race.
func TestLatencyWeightedHammer(t *testing.T) {
	var bc loadbalancer.Broadcaster
	sets := [][]string{{"a", "b", "c"}, {"a", "b"}, {"b", "c", "d"}}
	bc.Update(loadbalancer.Event{Instances: sets[0]})
	e := loadbalancer.NewEndpointer(&bc, func(inst string) (endpoint.Endpoint, io.Closer, error) { return named(inst), nil, nil }, nil)
	defer e.Close()
	b := loadbalancer.NewLatencyWeighted(e, loadbalancer.LatencyWeightedSettings{Refresh: time.Nanosecond})
	var wg sync.WaitGroup
	var calls atomic.Int64
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 2000 {
				if g == 0 && i%100 == 0 {
					bc.Update(loadbalancer.Event{Instances: sets[i/100%len(sets)]})
				}
				ep, err := b.Endpoint()
				if err != nil {
					t.Errorf("Endpoint(): %v", err)
					return
				}
				if resp, err := ep(context.Background(), nil); err != nil || resp == "" {
					t.Errorf("call = %v, %v", resp, err)
					return
				}
				calls.Add(1)
			}
		}()
	}
	wg.Wait()
	if got := calls.Load(); got != 8*2000 {
		t.Errorf("%d calls succeeded, want %d", got, 8*2000)
	}
}

func BenchmarkLatencyWeighted(b *testing.B) {
	ctx := context.Background()
	eps := make(loadbalancer.FixedEndpointer, 100)
	for i := range eps {
		eps[i] = endpoint.Nop
	}
	bal := loadbalancer.NewLatencyWeighted(eps, loadbalancer.LatencyWeightedSettings{})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			e, err := bal.Endpoint()
			if err != nil {
				b.Error(err)
				return
			}
			e(ctx, nil)
		}
	})
}

// TestLatencyWeightedAvoidsFastFailures: an instance that fails at once
// must not take the largest weight for its "latency" of microseconds; with
// a failed call counted as FailurePenalty (1s), it falls to the floor
// (5% of the mean weight). Before, it drew most calls.
func TestLatencyWeightedAvoidsFastFailures(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		refused := endpoint.WithOutcome(io.ErrUnexpectedEOF, endpoint.Outcome{Kind: endpoint.DependencyFailure, Retryable: true})
		b := loadbalancer.NewLatencyWeighted(loadbalancer.FixedEndpointer{
			latencyEndpoint("ok1", time.Millisecond),
			latencyEndpoint("ok2", time.Millisecond),
			func(context.Context, any) (any, error) { return nil, refused },
		}, loadbalancer.LatencyWeightedSettings{})
		failed := 0
		for range 2000 {
			e, err := b.Endpoint()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e(context.Background(), nil); err != nil {
				failed++
			}
			time.Sleep(time.Millisecond) // calls spread over refreshes of the weights
		}
		// The floor: 5% of the mean weight is about 1.7% of the calls.
		if failed > 100 {
			t.Errorf("instance failing at once got %d of 2000 picks, want at most 100 (its floor)", failed)
		}
	})
}

// TestLatencyWeightedRecoversAfterFailures: as TestP2CRecoversAfterFailures
// for LatencyWeighted: few calls while failing, its share within 3s of its
// recovery. Before, a failure counted as 1s of latency in the average,
// which decays over Decay (10s): 3-5s after recovery the instance still
// had about its floor (under 2% of the calls).
func TestLatencyWeightedRecoversAfterFailures(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var failing atomic.Bool
		b := loadbalancer.NewLatencyWeighted(loadbalancer.FixedEndpointer{
			latencyEndpoint("ok1", time.Millisecond),
			latencyEndpoint("ok2", time.Millisecond),
			flaky("flaky", &failing),
		}, loadbalancer.LatencyWeightedSettings{})
		shares(t, b, 100)
		failedPicks, firstOK, share := recovery(t, b, &failing, 10*time.Second)
		t.Logf("failed calls while failing: %d; first success %v after recovery; share 3-5s after: %.3f", failedPicks, firstOK, share)
		// Its floor (5% of the mean weight) is about 1.7% of 5000 calls;
		// each failure recomputes the weights at once.
		if failedPicks > 150 {
			t.Errorf("while failing for 10s: %d failed calls, want at most 150 (about its floor)", failedPicks)
		}
		if firstOK < 0 || firstOK > 2500*time.Millisecond {
			t.Errorf("first call to the recovered instance %v after its recovery, want within 2.5s", firstOK)
		}
		if share < 0.25 {
			t.Errorf("3-5s after its recovery the instance took %.3f of the calls, want at least 0.25 (a fair share is 1/3)", share)
		}
	})
}
