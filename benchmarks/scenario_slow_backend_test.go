package benchmarks

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/loadbalancer"
	"github.com/endpointkit/kit/loadbalancer/static"
)

// The load scenarios take minutes in their long form, which gives the
// README's figures and runs only when asked:
//
//	go test -run Scenario -scenario -v
//
// Without -scenario (as make check runs them), the slow-backend, failover
// and retry-storm scenarios run a short form of a few seconds: fewer
// contestants, a shorter window, and assertions that hold on a loaded
// machine (an ordering between contestants, generous bounds).
var (
	runScenarios     = flag.Bool("scenario", false, "run the load scenarios (minutes each)")
	scenarioDuration = flag.Duration("scenario.window", 30*time.Second, "length of a scenario's measured window")
	scenarioRate     = flag.Int("scenario.rate", 200, "requests per second, open loop")
)

// backend is a real HTTP server on loopback whose latency is log-normal
// around a 20ms median, or 1s while it is held.
type backend struct {
	srv  *httptest.Server
	held atomic.Bool
}

func newBackend() *backend {
	b := &backend{}
	b.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d := time.Duration(float64(20*time.Millisecond) * math.Exp(0.25*rand.NormFloat64()))
		if b.held.Load() {
			d = time.Second
		}
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			io.WriteString(w, "ok")
		case <-r.Context().Done():
		}
	}))
	return b
}

func httpFactory(client *http.Client) loadbalancer.Factory {
	return func(instance string) (endpoint.Endpoint, io.Closer, error) {
		return func(ctx context.Context, _ any) (any, error) {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, instance, nil)
			if err != nil {
				return nil, err
			}
			resp, err := client.Do(req)
			if err != nil {
				return nil, err
			}
			defer resp.Body.Close()
			_, err = io.Copy(io.Discard, resp.Body)
			return nil, err
		}, nil, nil
	}
}

type scenarioResult struct {
	latencies []time.Duration
	timeouts  int
	errors    int
}

func (r scenarioResult) quantile(q float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	return r.latencies[min(len(r.latencies)-1, int(q*float64(len(r.latencies))))]
}

// openLoop sends rate requests per second through call for d, each on its
// own goroutine with a 1s timeout, whatever the answers (open loop: a slow
// answer does not slow the sender), and waits for them all. It records
// each request in s (nil: nowhere).
func openLoop(call endpoint.Endpoint, rate int, d time.Duration, s *series) scenarioResult {
	var mu sync.Mutex
	var res scenarioResult
	var wg sync.WaitGroup
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	for end := time.Now().Add(d); time.Now().Before(end); <-tick.C {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			start := time.Now()
			_, err := call(ctx, nil)
			lat := time.Since(start)
			s.request(start, lat, err != nil)
			mu.Lock()
			defer mu.Unlock()
			res.latencies = append(res.latencies, lat)
			switch {
			case errors.Is(err, context.DeadlineExceeded):
				res.timeouts++
			case err != nil:
				res.errors++
			}
		}()
	}
	wg.Wait()
	slices.Sort(res.latencies)
	return res
}

// TestScenarioSlowBackend: one of five backends is held at 1s for the whole
// measured window, after a short healthy warm-up. It reports latency
// quantiles and timeouts for each balancer, and for p2c over all-healthy
// backends as the baseline.
func TestScenarioSlowBackend(t *testing.T) {
	short := !*runScenarios
	window, rate, warm := *scenarioDuration, *scenarioRate, 2*time.Second
	if short {
		window, rate, warm = 2*time.Second, 100, time.Second
	}
	balancers := []struct {
		name string
		new  func(loadbalancer.Endpointer) loadbalancer.Balancer
	}{
		{"round_robin", func(e loadbalancer.Endpointer) loadbalancer.Balancer { return loadbalancer.NewRoundRobin(e) }},
		{"random", func(e loadbalancer.Endpointer) loadbalancer.Balancer { return loadbalancer.NewRandom(e) }},
		{"least_in_flight", func(e loadbalancer.Endpointer) loadbalancer.Balancer { return loadbalancer.NewLeastInFlight(e) }},
		{"latency_weighted", func(e loadbalancer.Endpointer) loadbalancer.Balancer {
			return loadbalancer.NewLatencyWeighted(e, loadbalancer.LatencyWeightedSettings{})
		}},
		{"p2c_ewma", func(e loadbalancer.Endpointer) loadbalancer.Balancer {
			return loadbalancer.NewP2C(e, loadbalancer.P2CSettings{})
		}},
	}
	type row struct {
		name string
		res  scenarioResult
	}
	var rows []row
	tl := newTimeline("slow-backend")
	defer writeTimeline(t, tl)
	run := func(name string, newBalancer func(loadbalancer.Endpointer) loadbalancer.Balancer, slow bool) {
		series := name
		if !slow {
			series += ", no fault (baseline)"
		}
		s := tl.series(series)
		backends := make([]*backend, 5)
		var urls []string
		for i := range backends {
			backends[i] = newBackend()
			defer backends[i].srv.Close()
			urls = append(urls, backends[i].srv.URL)
		}
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
		defer client.CloseIdleConnections()
		e := loadbalancer.NewEndpointer(static.NewInstancer(urls), countAttempts(httpFactory(client), s, urls), nil)
		defer e.Close()
		b := newBalancer(e)
		call := func(ctx context.Context, req any) (any, error) {
			ep, err := b.Endpoint()
			if err != nil {
				return nil, err
			}
			return ep(ctx, req)
		}
		openLoop(call, rate, warm, s) // warm-up, healthy
		backends[0].held.Store(slow)
		heldAt := time.Now()
		res := openLoop(call, rate, window, s)
		backends[0].held.Store(false)
		if slow && tl.faultCount() == 0 {
			tl.fault(s.since(heldAt), s.since(time.Now()), "i1 answers in 1s")
		}
		rows = append(rows, row{name, res})
	}
	if short {
		// Round robin sends a fifth of the calls to the held backend,
		// which answers after the 1s timeout; p2c must avoid it.
		run("round_robin", balancers[0].new, true)
		run("p2c_ewma", balancers[len(balancers)-1].new, true)
		for _, r := range rows {
			t.Logf("%s: %d requests, p50 %v, p99 %v, %d timeouts, %d errors", r.name, len(r.res.latencies),
				r.res.quantile(0.5).Round(time.Millisecond), r.res.quantile(0.99).Round(time.Millisecond), r.res.timeouts, r.res.errors)
		}
		rr, p2c := rows[0].res, rows[1].res
		rrShare := float64(rr.timeouts) / float64(len(rr.latencies))
		p2cShare := float64(p2c.timeouts) / float64(len(p2c.latencies))
		if rrShare < 0.05 {
			t.Errorf("round_robin timed out on %.1f%% of the calls, want at least 5%% (a fifth go to the held backend): the scenario did not hold it", 100*rrShare)
		}
		if p2cShare > rrShare/4 {
			t.Errorf("p2c_ewma timed out on %.1f%% of the calls, want at most a quarter of round_robin's %.1f%%", 100*p2cShare, 100*rrShare)
		}
		if q := p2c.quantile(0.5); q > 200*time.Millisecond {
			t.Errorf("p2c_ewma median %v with one slow backend, want under 200ms (healthy ones answer in ~20ms)", q)
		}
		return
	}
	run("p2c_ewma_all_healthy", balancers[len(balancers)-1].new, false)
	for _, bc := range balancers {
		run(bc.name, bc.new, true)
	}

	var out strings.Builder
	fmt.Fprintf(&out, "\n| balancer | requests | p50 | p95 | p99 | p99.9 | timeouts | errors |\n|---|---|---|---|---|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&out, "| %s | %d | %v | %v | %v | %v | %d (%.2f%%) | %d |\n", r.name, len(r.res.latencies),
			r.res.quantile(0.5).Round(100*time.Microsecond), r.res.quantile(0.95).Round(100*time.Microsecond),
			r.res.quantile(0.99).Round(100*time.Microsecond), r.res.quantile(0.999).Round(100*time.Microsecond),
			r.res.timeouts, 100*float64(r.res.timeouts)/float64(len(r.res.latencies)), r.res.errors)
	}
	t.Log(out.String())

	base, p2c := rows[0].res, rows[len(rows)-1].res
	if ratio := float64(p2c.quantile(0.999)) / float64(base.quantile(0.999)); ratio > 1.5 {
		t.Errorf("p2c_ewma p99.9 with a slow backend is %.2fx the all-healthy run, want ≤ 1.5x", ratio)
	}
	if share := float64(p2c.timeouts) / float64(len(p2c.latencies)); share >= 0.001 {
		t.Errorf("p2c_ewma timeouts = %.3f%%, want < 0.1%%", 100*share)
	}
}
