package loadbalancer_test

import (
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
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
		// cannot happen with distinct draws, or when its estimate has had no
		// sample for ProbeAfter (10s: about once in these ~10s of calls); its
		// decayed cost alone would take ~46s to fall below the fast ones'
		// (1s·e^(-t/10s) < 10ms).
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
		// ProbeAfter off: this test is about the decay alone (with it, a
		// minute without calls makes both estimates stale, and both are
		// probed afresh: TestP2CProbesAfterOneSlowAnswer).
		b := loadbalancer.NewP2C(eps, loadbalancer.P2CSettings{Decay: 10 * time.Second, ProbeAfter: -1})
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

// flaky is an instance answering its name after 1ms, or failing at once
// (a refused connection) while failing is set.
func flaky(name string, failing *atomic.Bool) endpoint.Endpoint {
	refused := endpoint.WithOutcome(io.ErrUnexpectedEOF, endpoint.Outcome{Kind: endpoint.DependencyFailure, Retryable: true})
	return func(context.Context, any) (any, error) {
		if failing.Load() {
			return nil, refused
		}
		time.Sleep(time.Millisecond)
		return name, nil
	}
}

// recovery drives b with one call every ~2ms of fake time (1ms of call,
// 1ms apart) while flakyName fails for failFor, then for another 5s after
// it recovered. It returns the calls flakyName took while failing, the
// time from its recovery to its first success, and its share of the calls
// in [3s, 5s) after its recovery.
func recovery(t *testing.T, b loadbalancer.Balancer, failing *atomic.Bool, failFor time.Duration) (failedPicks int, firstOK time.Duration, share float64) {
	t.Helper()
	failing.Store(true)
	start := time.Now()
	for time.Since(start) < failFor {
		e, err := b.Endpoint()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e(context.Background(), nil); err != nil {
			failedPicks++
		}
		time.Sleep(time.Millisecond)
	}
	failing.Store(false)
	recovered := time.Now()
	firstOK = -1
	var inWindow, flakyInWindow int
	for time.Since(recovered) < 5*time.Second {
		e, err := b.Endpoint()
		if err != nil {
			t.Fatal(err)
		}
		got := call(t, e)
		since := time.Since(recovered)
		if got == "flaky" && firstOK < 0 {
			firstOK = since
		}
		if since >= 3*time.Second {
			inWindow++
			if got == "flaky" {
				flakyInWindow++
			}
		}
		time.Sleep(time.Millisecond)
	}
	return failedPicks, firstOK, float64(flakyInWindow) / float64(inWindow)
}

// TestP2CRecoversAfterFailures: an instance that fails at once gets few
// calls while it fails and, once it recovers, its share within 3s. Before
// the failure penalty was kept apart from the latency average with its own
// 250ms time constant, a failure counted as 1s of latency in the average,
// which decays over Decay (10s): the recovered instance got no call for
// ~50s (its share 3-5s after recovery was 0).
func TestP2CRecoversAfterFailures(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var failing atomic.Bool
		b := loadbalancer.NewP2C(loadbalancer.FixedEndpointer{
			latencyEndpoint("ok1", time.Millisecond),
			latencyEndpoint("ok2", time.Millisecond),
			flaky("flaky", &failing),
		}, loadbalancer.P2CSettings{})
		shares(t, b, 100) // every instance known and healthy
		// Failing for 10s: about 5000 calls. The failure penalty fades
		// below the others' 1ms·2 in about 250ms·ln(500) ≈ 1.6s, so the
		// instance is probed every ~1.6s.
		failedPicks, firstOK, share := recovery(t, b, &failing, 10*time.Second)
		t.Logf("failed calls while failing: %d; first success %v after recovery; share 3-5s after: %.3f", failedPicks, firstOK, share)
		if failedPicks > 20 {
			t.Errorf("while failing for 10s: %d failed calls, want at most 20 (about one probe per 1.6s)", failedPicks)
		}
		if firstOK < 0 || firstOK > 2500*time.Millisecond {
			t.Errorf("first call to the recovered instance %v after its recovery, want within 2.5s", firstOK)
		}
		if share < 0.25 {
			t.Errorf("3-5s after its recovery the instance took %.3f of the calls, want at least 0.25 (a fair share is 1/3)", share)
		}
	})
}

// TestP2CProbesAfterOneSlowAnswer: an instance that answered slowly once
// gets no calls while its cost is above the others', so no answer corrects
// its estimate; ProbeAfter (Decay by default) bounds that. Before, with
// one 2s answer among 10ms ones, the instance got no call for the ~50s
// its cost took to decay under the others'.
func TestP2CProbesAfterOneSlowAnswer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var slowOnce atomic.Bool
		b := loadbalancer.NewP2C(loadbalancer.FixedEndpointer{
			latencyEndpoint("ok1", 10*time.Millisecond),
			latencyEndpoint("ok2", 10*time.Millisecond),
			func(context.Context, any) (any, error) {
				if slowOnce.CompareAndSwap(true, false) {
					time.Sleep(2 * time.Second) // the tail, once
				} else {
					time.Sleep(10 * time.Millisecond)
				}
				return "tail", nil
			},
		}, loadbalancer.P2CSettings{})
		shares(t, b, 100)
		slowOnce.Store(true)
		for slowOnce.Load() { // until the tail instance drew its slow answer
			e, _ := b.Endpoint()
			call(t, e)
		}
		slowAt := time.Now()
		var last time.Duration
		counts := map[string]int{}
		for time.Since(slowAt) < 15*time.Second {
			e, _ := b.Endpoint()
			got := call(t, e)
			since := time.Since(slowAt)
			if got == "tail" {
				last = since
			}
			if since >= 12*time.Second {
				counts[got]++
			}
		}
		if last < 12*time.Second {
			t.Fatalf("after its 2s answer the instance got its last call %v later, want calls again from ProbeAfter (10s) on", last)
		}
		total := counts["ok1"] + counts["ok2"] + counts["tail"]
		t.Logf("last call to the once-slow instance %v after its slow answer; calls 12-15s after: %v", last, counts)
		if share := float64(counts["tail"]) / float64(total); share < 0.25 {
			t.Errorf("12-15s after its 2s answer the instance took %.3f of the calls, want at least 0.25 (counts %v)", share, counts)
		}
	})
}

// TestHedgedP2CAvoidsStalledInstance decides what P2C records of a hedged
// call's losing attempt, canceled when the backup won: a lower bound of
// the instance's latency (its elapsed time, taken when above the estimate,
// dropped otherwise), not nothing. An instance that stalls (answers
// nothing until canceled) then costs about the hedge delay once, and P2C
// avoids it: 1 backup in 1000 calls here. Not recorded at all, its
// estimate would stay that of a healthy instance, decaying towards zero as
// it finishes no call, and it took most first attempts, each costing a
// backup (686 backups in 1000 calls with the sample dropped).
func TestHedgedP2CAvoidsStalledInstance(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var stalled atomic.Bool
		b := loadbalancer.NewP2C(loadbalancer.FixedEndpointer{
			latencyEndpoint("ok1", time.Millisecond),
			latencyEndpoint("ok2", time.Millisecond),
			func(ctx context.Context, _ any) (any, error) {
				if stalled.Load() {
					<-ctx.Done()
					return nil, ctx.Err()
				}
				time.Sleep(time.Millisecond)
				return "stalled", nil
			},
		}, loadbalancer.P2CSettings{})
		var backups atomic.Int64
		h := loadbalancer.Hedged(b, loadbalancer.HedgeSettings{
			Delay: 20 * time.Millisecond, Budget: generous(), AllIdempotent: true,
			OnBackup: func(context.Context, string) { backups.Add(1) },
		})
		shares(t, b, 100)
		stalled.Store(true)
		for range 1000 {
			if _, err := h(context.Background(), nil); err != nil {
				t.Fatalf("hedged call: %v", err)
			}
			time.Sleep(time.Millisecond)
		}
		t.Logf("backups: %d of 1000 calls", backups.Load())
		if n := backups.Load(); n > 10 {
			t.Errorf("%d backups in 1000 calls with one instance of three stalled, want at most 10 (P2C must learn from the canceled attempts)", n)
		}
	})
}
