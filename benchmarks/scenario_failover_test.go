package benchmarks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/loadbalancer"
	"github.com/endpointkit/kit/loadbalancer/static"
)

// flakyBackend answers in about 5ms, and fails (HTTP 503, at once) with a
// probability the test sets, in parts per million.
type flakyBackend struct {
	srv      *httptest.Server
	failPPM  atomic.Int64
	requests atomic.Int64
}

func newFlakyBackend() *flakyBackend {
	b := &flakyBackend{}
	b.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.requests.Add(1)
		if rand.Int64N(1_000_000) < b.failPPM.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		time.Sleep(5 * time.Millisecond)
		io.WriteString(w, "ok")
	}))
	return b
}

var errStatus = errors.New("backend answered with an error status")

func statusFactory(client *http.Client) loadbalancer.Factory {
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
			io.Copy(io.Discard, resp.Body)
			if resp.StatusCode != http.StatusOK {
				return nil, fmt.Errorf("%w: %d", errStatus, resp.StatusCode)
			}
			return nil, nil
		}, nil, nil
	}
}

// TestScenarioFailover: one of three backends fails hard for 5s, then
// recovers slowly (its failure rate falls from 100% to 0 over 5s). Reports
// client-visible failures, the time to eject it, the time to re-admit it
// after it recovered, and attempts per logical request, for a stack of
// retries with a budget over p2c with outlier ejection, and for round robin
// without either.
func TestScenarioFailover(t *testing.T) {
	short := !*runScenarios
	type result struct {
		name                 string
		requests, failures   int64
		attempts             int64
		detect, readmit      time.Duration
		ejectedAtAll, wasOut bool
		downShare            float64 // the failing backend's share of attempts while it failed every call
	}
	tl := newTimeline("failover")
	defer writeTimeline(t, tl)
	run := func(name string, resilient bool) result {
		seriesName := "round_robin"
		if resilient {
			seriesName = "retry+budget+p2c+ejection"
		}
		s := tl.series(seriesName)
		backends := make([]*flakyBackend, 3)
		var urls []string
		for i := range backends {
			backends[i] = newFlakyBackend()
			defer backends[i].srv.Close()
			urls = append(urls, backends[i].srv.URL)
		}
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
		defer client.CloseIdleConnections()
		e := loadbalancer.NewEndpointer(static.NewInstancer(urls), countAttempts(statusFactory(client), s, urls), nil)
		defer e.Close()

		var outlier *loadbalancer.OutlierEndpointer
		var call endpoint.Endpoint
		if resilient {
			base := 2 * time.Second
			if short {
				base /= 4
			}
			outlier = loadbalancer.NewOutlierEndpointer(e, loadbalancer.OutlierSettings{
				ConsecutiveFailures: 5, BaseEjection: base,
			})
			b := loadbalancer.NewP2C(outlier, loadbalancer.P2CSettings{})
			call = loadbalancer.RetryWith(b, loadbalancer.RetrySettings{
				MaxAttempts: 3, Timeout: time.Second, AttemptTimeout: 300 * time.Millisecond,
				BackoffBase: time.Millisecond, BackoffMax: 10 * time.Millisecond,
				Budget: loadbalancer.NewBudget(loadbalancer.BudgetSettings{}),
			})
		} else {
			b := loadbalancer.NewRoundRobin(e)
			call = func(ctx context.Context, req any) (any, error) {
				ep, err := b.Endpoint()
				if err != nil {
					return nil, err
				}
				return ep(ctx, req)
			}
		}

		// The fault, on its own clock: 2s healthy, 5s down, 5s recovering,
		// 4s healthy; a quarter of that in the short form (the ejection's
		// base time too).
		healthy, down, recovering, after := 2*time.Second, 5*time.Second, 5*time.Second, 4*time.Second
		if short {
			healthy, down, recovering, after = healthy/4, down/4, recovering/4, after/4
		}
		if tl.faultCount() == 0 {
			tl.fault(healthy, healthy+down, "i1 fails every call")
			tl.fault(healthy+down, healthy+down+recovering, "i1 recovers (100% → 0 failures)")
		}
		start := time.Now()
		faultDone := make(chan struct{})
		var mu sync.Mutex
		var ejections [][2]time.Duration // [ejected at, back at], since start
		// Attempts at the failing backend and at all of them, when it
		// began and when it stopped failing every call.
		var downFrom, downTo [2]int64
		snapshot := func() [2]int64 {
			var all int64
			for _, b := range backends {
				all += b.requests.Load()
			}
			return [2]int64{backends[0].requests.Load(), all}
		}
		go func() {
			defer close(faultDone)
			tick := time.NewTicker(10 * time.Millisecond)
			defer tick.Stop()
			var out bool
			for now := range tick.C {
				el := now.Sub(start)
				switch {
				case el < healthy:
					backends[0].failPPM.Store(0)
				case el < healthy+down:
					if backends[0].failPPM.Swap(1_000_000) != 1_000_000 {
						mu.Lock()
						downFrom = snapshot()
						mu.Unlock()
					}
				case el < healthy+down+recovering:
					if downTo == ([2]int64{}) {
						mu.Lock()
						downTo = snapshot()
						mu.Unlock()
					}
					left := float64(healthy+down+recovering-el) / float64(recovering)
					backends[0].failPPM.Store(int64(left * 1_000_000))
				case el < healthy+down+recovering+after:
					backends[0].failPPM.Store(0)
				default:
					return
				}
				if outlier != nil {
					isOut := slices.Contains(outlier.Ejected(), urls[0])
					mu.Lock()
					if isOut && !out {
						ejections = append(ejections, [2]time.Duration{el, 0})
					}
					if !isOut && out {
						ejections[len(ejections)-1][1] = el
					}
					mu.Unlock()
					out = isOut
				}
			}
		}()

		var requests, failures atomic.Int64
		var wg sync.WaitGroup
		tick := time.NewTicker(5 * time.Millisecond) // 200 requests/s
		for end := start.Add(healthy + down + recovering + after); time.Now().Before(end); <-tick.C {
			wg.Add(1)
			go func() {
				defer wg.Done()
				requests.Add(1)
				sent := time.Now()
				_, err := call(context.Background(), nil)
				s.request(sent, time.Since(sent), err != nil)
				if err != nil {
					if failures.Add(1) <= 3 {
						t.Logf("%s: a client-visible failure: %v", name, err)
					}
				}
			}()
		}
		tick.Stop()
		wg.Wait()
		<-faultDone
		var attempts int64
		for _, b := range backends {
			attempts += b.requests.Load()
		}
		r := result{name: name, requests: requests.Load(), failures: failures.Load(), attempts: attempts}
		mu.Lock()
		defer mu.Unlock()
		if all := downTo[1] - downFrom[1]; all > 0 {
			r.downShare = float64(downTo[0]-downFrom[0]) / float64(all)
		}
		if len(ejections) > 0 {
			r.ejectedAtAll = true
			r.detect = ejections[0][0] - healthy
			last := ejections[len(ejections)-1]
			r.wasOut = last[1] == 0
			r.readmit = last[1] - (healthy + down + recovering)
		}
		return r
	}
	rows := []result{run("round_robin, no retries", false), run("retry+budget over p2c+ejection", true)}
	out := "\n| stack | requests | client-visible failures | attempts per request | detection | re-admission after recovery |\n|---|---|---|---|---|---|\n"
	for _, r := range rows {
		det, re := "n/a", "n/a"
		if r.ejectedAtAll {
			det = r.detect.Round(time.Millisecond).String()
			re = r.readmit.Round(time.Millisecond).String()
			if r.wasOut {
				re = "still out at the end"
			}
		}
		out += fmt.Sprintf("| %s | %d | %d (%.2f%%) | %.3f | %s | %s |\n", r.name, r.requests, r.failures,
			100*float64(r.failures)/float64(r.requests), float64(r.attempts)/float64(r.requests), det, re)
	}
	t.Log(out)
	for _, r := range rows {
		t.Logf("%s: the failing backend took %.1f%% of the attempts while it failed every call", r.name, 100*r.downShare)
	}
	res := rows[1]
	if short {
		// The ordering, and bounds generous enough for a loaded machine:
		// round robin sends a third of the calls to the failing backend
		// for seconds; retries over ejection hide nearly all of it.
		rr := rows[0]
		rrShare := float64(rr.failures) / float64(rr.requests)
		if rrShare < 0.05 {
			t.Errorf("round robin: %.1f%% of the calls failed, want at least 5%%: the fault did not happen", 100*rrShare)
		}
		if share := float64(res.failures) / float64(res.requests); share > rrShare/10 || share > 0.01 {
			t.Errorf("resilient stack: %.2f%% of the calls failed, want under 1%% and a tenth of round robin's %.1f%%", 100*share, 100*rrShare)
		}
		if amp := float64(res.attempts) / float64(res.requests); amp > 1.5 {
			t.Errorf("resilient stack: %.3f attempts per request, want ≤ 1.5", amp)
		}
		// Ejection, or p2c's own avoidance (it counts a failed call as
		// its Penalty latency, and may steer away before five failures
		// in a row eject the backend): either way the failing backend
		// must get next to nothing while it fails every call.
		if !res.ejectedAtAll && res.downShare > 0.05 {
			t.Errorf("resilient stack: the failing backend was never ejected and took %.1f%% of the attempts while it failed every call, want ≤ 5%%", 100*res.downShare)
		}
		return
	}
	if res.failures != 0 {
		t.Errorf("resilient stack: %d client-visible failures, want 0", res.failures)
	}
	if amp := float64(res.attempts) / float64(res.requests); amp > 1.2 {
		t.Errorf("resilient stack: %.3f attempts per request, want ≤ 1.2", amp)
	}
}
