package benchmarks

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/endpointkit/kit/ratelimit"
)

// The overload scenario again, on wall-clock time over a real loopback HTTP
// server (net/http), to check that the simulation's conclusion survives a
// network stack, a scheduler and a client that shares the machine. The
// server is the simulated one: ovWorkers workers at ovService per request,
// requests queue for a worker and the handler does not notice callers that
// gave up. The limiter wraps the server's endpoint; a refused request is
// answered 503 at once. The client offers ovCapacity/2 for httpWarm, then
// 3x ovCapacity for httpHold, open-loop; each request gives up after
// httpGiveUp. Figures are for requests sent during the hold.
const (
	httpWarm   = 500 * time.Millisecond
	httpHold   = 2 * time.Second
	httpGiveUp = time.Second
)

// BenchmarkScenarioOverloadHTTP runs the scenario once per contestant
// whatever b.N (each run takes httpWarm+httpHold) and reports goodput
// (answers within ovSLO per second), goodput as a share of capacity, the
// p99 latency of accepted requests and the share refused.
func BenchmarkScenarioOverloadHTTP(b *testing.B) {
	for _, c := range []overloadContestant{overloadContestants[0], overloadContestants[1], overloadContestants[3]} {
		b.Run("impl="+c.name, func(b *testing.B) {
			var r overloadResult
			for range b.N {
				r = overloadHTTP(b, c)
			}
			b.ReportMetric(r.goodput, "goodput-req/s")
			b.ReportMetric(100*r.goodput/ovCapacity, "goodput-%cap")
			b.ReportMetric(float64(r.p99)/float64(time.Millisecond), "p99-ms")
			b.ReportMetric(100*r.rejected, "rejected-%")
		})
	}
}

var errStopped = errors.New("server stopping")

func overloadHTTP(tb testing.TB, c overloadContestant) overloadResult {
	slots := make(chan struct{}, ovWorkers)
	stop := make(chan struct{})
	ep := c.make()(func(context.Context, any) (any, error) {
		select {
		case slots <- struct{}{}: // wait for a worker, caller gone or not
		case <-stop:
			return nil, errStopped
		}
		time.Sleep(ovService) // the work
		<-slots
		return nil, nil
	})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := ep(r.Context(), nil); err != nil {
			code := http.StatusInternalServerError
			if errors.Is(err, ratelimit.ErrInFlight) {
				code = http.StatusServiceUnavailable
			}
			w.WriteHeader(code)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	defer close(stop) // runs first: queued handlers leave
	tr := &http.Transport{MaxIdleConnsPerHost: 512}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}

	type sample struct {
		status  int // 0: no answer
		latency time.Duration
	}
	var (
		mu      sync.Mutex
		samples []sample
		wg      sync.WaitGroup
	)
	send := func(measured bool) {
		defer wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), httpGiveUp)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
		start := time.Now()
		s := sample{}
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			s.status = resp.StatusCode
		}
		s.latency = time.Since(start)
		if measured {
			mu.Lock()
			samples = append(samples, s)
			mu.Unlock()
		}
	}
	// Open loop: request i leaves at its scheduled instant, or at once if
	// the client fell behind.
	begin := time.Now()
	at := time.Duration(0)
	for at < httpWarm+httpHold {
		rate := ovCapacity / 2
		if at >= httpWarm {
			rate = 3 * ovCapacity
		}
		time.Sleep(time.Until(begin.Add(at)))
		wg.Add(1)
		go send(at >= httpWarm)
		at += time.Duration(float64(time.Second) / rate)
	}
	wg.Wait()

	var r overloadResult
	var good, refused int
	var accepted []time.Duration
	for _, s := range samples {
		switch s.status {
		case http.StatusOK:
			accepted = append(accepted, s.latency)
			if s.latency <= ovSLO {
				good++
			}
		case http.StatusServiceUnavailable:
			refused++
		}
	}
	r.goodput = float64(good) / httpHold.Seconds()
	if len(samples) > 0 {
		r.rejected = float64(refused) / float64(len(samples))
	}
	if len(accepted) > 0 {
		slices.Sort(accepted)
		r.p99 = accepted[(len(accepted)*99)/100]
	}
	return r
}
