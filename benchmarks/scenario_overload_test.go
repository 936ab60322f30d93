package benchmarks

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/ratelimit"
)

// The overload scenario also runs in virtual time (testing/synctest). A
// server has 4 workers and takes 10ms per request: its capacity is 400
// requests a second. Requests queue for a worker in arrival order, and the
// server does not notice callers that gave up, like most servers. Offered
// load is open-loop (arrivals do not wait for answers): it ramps from half
// the capacity to 3x over 10s, then holds at 3x for 10s. Goodput is the
// number of requests per second, among those arriving during the hold, that
// were answered within the 100ms SLO.
const (
	ovWorkers = 4
	ovService = 10 * time.Millisecond
	ovRamp    = 10 * time.Second
	ovHold    = 10 * time.Second
	ovSLO     = 100 * time.Millisecond
)

const ovCapacity = float64(ovWorkers) * float64(time.Second) / float64(ovService)

type overloadContestant struct {
	name string
	make func() endpoint.Middleware
}

var overloadContestants = []overloadContestant{
	{"none", func() endpoint.Middleware { return func(e endpoint.Endpoint) endpoint.Endpoint { return e } }},
	{"fixed-8", func() endpoint.Middleware { return ratelimit.NewBulkhead(2 * ovWorkers).Middleware }},
	{"fixed-64", func() endpoint.Middleware { return ratelimit.NewBulkhead(64).Middleware }},
	{"kit-adaptive", func() endpoint.Middleware {
		return ratelimit.NewAdaptive(ratelimit.AdaptiveSettings{}).Middleware
	}},
}

type overloadResult struct {
	goodput  float64       // answered within the SLO, per second, during the hold
	p99      time.Duration // of accepted requests arriving during the hold
	rejected float64       // share of requests refused during the hold
}

// overload runs the scenario for c, recording it in s (nil: nowhere).
func overload(c overloadContestant, s *series) overloadResult {
	slots := make(chan struct{}, ovWorkers)
	server := func(context.Context, any) (any, error) {
		slots <- struct{}{} // wait for a worker
		time.Sleep(ovService)
		<-slots
		return "ok", nil
	}
	e := c.make()(server)

	var (
		mu        sync.Mutex
		latencies []time.Duration // accepted during the hold
		good      int
		rejected  int
		arrived   int
		wg        sync.WaitGroup
	)
	start := time.Now()
	for {
		at := time.Since(start)
		if at >= ovRamp+ovHold {
			break
		}
		factor := 3.0
		if at < ovRamp {
			factor = 0.5 + 2.5*float64(at)/float64(ovRamp)
		}
		inHold := at >= ovRamp
		wg.Go(func() {
			t0 := time.Now()
			s.attempt("")
			_, err := e(context.Background(), nil)
			lat := time.Since(t0)
			s.request(t0, lat, err != nil)
			if !inHold {
				return
			}
			mu.Lock()
			defer mu.Unlock()
			arrived++
			if err != nil {
				rejected++
				return
			}
			latencies = append(latencies, lat)
			if lat <= ovSLO {
				good++
			}
		})
		time.Sleep(time.Duration(float64(time.Second) / (ovCapacity * factor)))
	}
	wg.Wait()
	slices.Sort(latencies)
	r := overloadResult{
		goodput:  float64(good) / ovHold.Seconds(),
		rejected: float64(rejected) / float64(arrived),
	}
	if n := len(latencies); n > 0 {
		r.p99 = latencies[(n*99)/100]
	}
	return r
}

// TestScenarioOverload prints the overload table (go test -run
// ScenarioOverload -v) and checks the target: goodput at 3x capacity at
// least 95% of capacity with the adaptive limit, while the unprotected
// server collapses.
func TestScenarioOverload(t *testing.T) {
	if testing.Short() {
		t.Skip("scenario")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "capacity %.0f req/s, offered 3x during the hold, SLO %v\n\n", ovCapacity, ovSLO)
	fmt.Fprintln(&b, "| limiter | goodput (req/s) | goodput / capacity | p99 of accepted | rejected |")
	fmt.Fprintln(&b, "|---|---|---|---|---|")
	results := map[string]overloadResult{}
	tl := newTimeline("overload")
	defer writeTimeline(t, tl)
	tl.fault(0, ovRamp, "offered load ramps 0.5x → 3x capacity")
	tl.fault(ovRamp, ovRamp+ovHold, "offered 3x capacity")
	for _, c := range overloadContestants {
		var r overloadResult
		synctest.Test(t, func(t *testing.T) { r = overload(c, tl.series(c.name)) })
		results[c.name] = r
		fmt.Fprintf(&b, "| %s | %.0f | %.0f%% | %v | %.0f%% |\n", c.name, r.goodput, 100*r.goodput/ovCapacity,
			r.p99.Round(time.Millisecond), 100*r.rejected)
	}
	t.Log("\n" + b.String())
	if r := results["kit-adaptive"]; r.goodput < 0.95*ovCapacity {
		t.Errorf("kit-adaptive goodput = %.0f/s, want >= 95%% of %.0f", r.goodput, ovCapacity)
	}
	if r := results["none"]; r.goodput > 0.5*ovCapacity {
		t.Errorf("unprotected goodput = %.0f/s, want a collapse below 50%% of %.0f", r.goodput, ovCapacity)
	}
}
