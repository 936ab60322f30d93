package benchmarks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/loadbalancer"
)

// errExhausted marks a failure after which the hop that saw it already
// retried: retrying it again upstream only multiplies the load on the
// failing hop.
var errExhausted = errors.New("downstream retries exhausted")

// hopClient returns an endpoint that GETs url and maps a 503 to an error
// (wrapping errExhausted when the answer says the hop already retried).
func hopClient(client *http.Client, url string) endpoint.Endpoint {
	return func(ctx context.Context, _ any) (any, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
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
			if resp.Header.Get("X-Retries-Exhausted") != "" {
				return nil, fmt.Errorf("%w: %d", errExhausted, resp.StatusCode)
			}
			return nil, fmt.Errorf("%w: %d", errStatus, resp.StatusCode)
		}
		return nil, nil
	}
}

// hop serves by calling next; a failure is a 503 that says it was retried.
func hop(next endpoint.Endpoint) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := next(r.Context(), nil); err != nil {
			w.Header().Set("X-Retries-Exhausted", "1")
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "ok")
	}))
}

// TestScenarioRetryStorm: a chain A -> B -> C where C, which serves 10ms
// calls, can take only one at a time and rejects the rest at once: it lost
// capacity, and serves at most 100 of the 200 requests/s. Each of A and B retries its downstream. Reports attempts at C
// per request entering A, for naive retries (3 attempts at each hop) and for
// retries with a budget at each hop plus a classifier that does not retry a
// downstream that already retried.
func TestScenarioRetryStorm(t *testing.T) {
	short := !*runScenarios
	window := 5 * time.Second
	if short {
		window = 1500 * time.Millisecond
	}
	tl := newTimeline("retry-storm")
	defer writeTimeline(t, tl)
	tl.fault(0, window, "C serves at most half the load")
	run := func(budgeted bool) (requests, atC int64, failures int64) {
		s := tl.series("naive 3x3")
		if budgeted {
			s = tl.series("budget+no retry of retried")
		}
		var cCalls atomic.Int64
		sem := make(chan struct{}, 1)
		c := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			cCalls.Add(1)
			s.attempt("")
			select {
			case sem <- struct{}{}:
				defer func() { <-sem }()
				time.Sleep(10 * time.Millisecond)
				io.WriteString(w, "ok")
			default:
				w.WriteHeader(http.StatusServiceUnavailable)
			}
		}))
		defer c.Close()
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
		defer client.CloseIdleConnections()
		retry := func(next endpoint.Endpoint) endpoint.Endpoint {
			b := loadbalancer.NewRoundRobin(loadbalancer.FixedEndpointer{next})
			if !budgeted {
				return loadbalancer.Retry(3, time.Second, b)
			}
			return loadbalancer.RetryWith(b, loadbalancer.RetrySettings{
				MaxAttempts: 3, Timeout: time.Second, BackoffBase: time.Millisecond, BackoffMax: 10 * time.Millisecond,
				Budget: loadbalancer.NewBudget(loadbalancer.BudgetSettings{Ratio: 0.2, MinPerSecond: 1}),
				Classifier: func(ctx context.Context, resp any, err error) endpoint.Outcome {
					if errors.Is(err, errExhausted) {
						return endpoint.Outcome{Kind: endpoint.Overloaded} // shed below: not retried
					}
					return endpoint.Classify(ctx, resp, err)
				},
			})
		}
		bSrv := hop(retry(hopClient(client, c.URL)))
		defer bSrv.Close()
		aSrv := hop(retry(hopClient(client, bSrv.URL)))
		defer aSrv.Close()
		entry := hopClient(client, aSrv.URL)

		var n, failed atomic.Int64
		var wg sync.WaitGroup
		tick := time.NewTicker(5 * time.Millisecond) // 200 requests/s
		for end := time.Now().Add(window); time.Now().Before(end); <-tick.C {
			wg.Add(1)
			go func() {
				defer wg.Done()
				n.Add(1)
				sent := time.Now()
				_, err := entry(context.Background(), nil)
				s.request(sent, time.Since(sent), err != nil)
				if err != nil {
					failed.Add(1)
				}
			}()
		}
		tick.Stop()
		wg.Wait()
		return n.Load(), cCalls.Load(), failed.Load()
	}
	out := "\n| retries at A and B | requests | attempts at C per request | failed requests |\n|---|---|---|---|\n"
	var budgetedRatio, naiveRatio float64
	for _, budgeted := range []bool{false, true} {
		req, atC, failed := run(budgeted)
		name := "naive: 3 attempts each"
		if budgeted {
			name = "RetryWith: budget 20% + 1/s, no retry of a retried downstream"
			budgetedRatio = float64(atC) / float64(req)
		} else {
			naiveRatio = float64(atC) / float64(req)
		}
		out += fmt.Sprintf("| %s | %d | %.2f | %d (%.1f%%) |\n", name, req, float64(atC)/float64(req), failed, 100*float64(failed)/float64(req))
	}
	t.Log(out)
	if short {
		// Naive retries multiply attempts at C up to 9x while it refuses
		// half; budgets keep them near 1. Generous bounds for a loaded
		// machine, and the ordering.
		if naiveRatio < 1.5 {
			t.Errorf("naive retries: %.2f attempts at C per request, want at least 1.5: the storm did not happen", naiveRatio)
		}
		if budgetedRatio > 1.6 || budgetedRatio >= naiveRatio/1.5 {
			t.Errorf("with budgets: %.2f attempts at C per request, want ≤ 1.6 and well under naive's %.2f", budgetedRatio, naiveRatio)
		}
		return
	}
	if budgetedRatio > 1.3 {
		t.Errorf("with budgets: %.2f attempts at C per request, want ≤ 1.3", budgetedRatio)
	}
}
