package benchmarks

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/endpointkit/kit/loadbalancer"
)

// The hedging scenario is "The Tail at Scale" in small, open loop and in
// virtual time (testing/synctest): 5 instances, each call taking 5–15 ms
// (uniform; median 10 ms) or, with a 1% chance, 200x the median (2 s).
// Requests arrive at hedgeRate a second for hedgeWindow, each marked
// idempotent. Contestants: round robin without hedging, round robin
// hedged with loadbalancer.HedgeSettings' defaults (a backup after the
// 98th percentile of recent latency, at most 5% extra attempts), and the
// same over p2c. Each instance draws from its own seeded sequence: every
// run gives the same figures.
const (
	hedgeInstances = 5
	hedgeMedian    = 10 * time.Millisecond
	hedgeRate      = 200
	hedgeWindow    = 30 * time.Second
)

type hedgeResult struct {
	p50, p99, p999 time.Duration
	extra          float64 // attempts beyond one per request, as a share of requests
	failed         int
}

// hedgeRun runs the hedging scenario for contestant, in a synctest bubble,
// recording it in s (nil: nowhere).
func hedgeRun(contestant string, s *series) hedgeResult {
	var mu sync.Mutex
	draw := func(rng *rand.Rand) time.Duration {
		mu.Lock()
		defer mu.Unlock()
		d := hedgeMedian/2 + time.Duration(rng.Int64N(int64(hedgeMedian))) // uniform [5ms, 15ms)
		if rng.Float64() < 0.01 {
			d = 200 * hedgeMedian
		}
		return d
	}
	var attempts int
	var eps loadbalancer.FixedEndpointer
	for i := range hedgeInstances {
		name := fmt.Sprintf("i%d", i+1)
		rng := rand.New(rand.NewPCG(1, uint64(i))) // each instance its own draws
		eps = append(eps, func(ctx context.Context, _ any) (any, error) {
			mu.Lock()
			attempts++
			mu.Unlock()
			s.attempt(name)
			t := time.NewTimer(draw(rng))
			defer t.Stop()
			select {
			case <-t.C:
				return name, nil
			case <-ctx.Done(): // the other attempt won
				return nil, ctx.Err()
			}
		})
	}
	var b loadbalancer.Balancer = loadbalancer.NewRoundRobin(eps)
	if strings.Contains(contestant, "p2c") {
		b = loadbalancer.NewP2C(eps, loadbalancer.P2CSettings{})
	}
	e := loadbalancer.Hedged(b, loadbalancer.HedgeSettings{}) // the defaults
	if contestant == "no hedge" {
		e = func(ctx context.Context, req any) (any, error) {
			ep, err := b.Endpoint()
			if err != nil {
				return nil, err
			}
			return ep(ctx, req)
		}
	}
	ctx := loadbalancer.WithIdempotent(context.Background())
	var (
		wg       sync.WaitGroup
		lat      []time.Duration
		failed   int
		requests int
	)
	tick := time.NewTicker(time.Second / hedgeRate)
	defer tick.Stop()
	for end := time.Now().Add(hedgeWindow); time.Now().Before(end); <-tick.C {
		requests++
		wg.Go(func() {
			sent := time.Now()
			_, err := e(ctx, nil)
			d := time.Since(sent)
			s.request(sent, d, err != nil)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				failed++
				return
			}
			lat = append(lat, d)
		})
	}
	wg.Wait()
	slices.Sort(lat)
	q := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	return hedgeResult{p50: q(0.5), p99: q(0.99), p999: q(0.999),
		extra: float64(attempts-requests) / float64(requests), failed: failed}
}

// TestScenarioHedgedTail prints the hedging table (go test -run
// ScenarioHedged -v) and checks the claims of the hedging design: without
// hedging p99.9 is in the 2 s tail; hedged, with the default settings,
// p99.9 stays under 3x the median with at most 5% extra attempts, over
// round robin and p2c alike.
func TestScenarioHedgedTail(t *testing.T) {
	tl := newTimeline("hedging")
	defer writeTimeline(t, tl)
	var b strings.Builder
	fmt.Fprintf(&b, "%d instances, %d req/s for %v (virtual), 1%% of calls take %v\n\n", hedgeInstances, hedgeRate, hedgeWindow, 200*hedgeMedian)
	fmt.Fprintln(&b, "| contestant | p50 | p99 | p99.9 | extra attempts | failed |")
	fmt.Fprintln(&b, "|---|---|---|---|---|---|")
	results := map[string]hedgeResult{}
	for _, c := range []string{"no hedge", "hedge", "hedge+p2c"} {
		var r hedgeResult
		synctest.Test(t, func(t *testing.T) { r = hedgeRun(c, tl.series(c)) })
		results[c] = r
		fmt.Fprintf(&b, "| %s | %v | %v | %v | %.2f%% | %d |\n", c, r.p50.Round(100*time.Microsecond), r.p99.Round(100*time.Microsecond), r.p999.Round(100*time.Microsecond), 100*r.extra, r.failed)
	}
	t.Log("\n" + b.String())
	if r := results["no hedge"]; r.p999 < 100*hedgeMedian {
		t.Errorf("no hedge: p99.9 = %v, want it in the tail (≥ %v): the scenario is off", r.p999, 100*hedgeMedian)
	}
	for _, c := range []string{"hedge", "hedge+p2c"} {
		r := results[c]
		if r.p999 >= 3*hedgeMedian {
			t.Errorf("%s: p99.9 = %v, want under 3x the median (%v)", c, r.p999, 3*hedgeMedian)
		}
		if r.extra > 0.05 {
			t.Errorf("%s: %.2f%% extra attempts, want at most 5%%", c, 100*r.extra)
		}
		if r.failed != 0 {
			t.Errorf("%s: %d requests failed, want 0", c, r.failed)
		}
	}
}
