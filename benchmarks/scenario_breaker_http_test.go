package benchmarks

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sony/gobreaker/v2"

	"github.com/endpointkit/kit/circuitbreaker"
	"github.com/endpointkit/kit/endpoint"
)

// The breaker-detection scenario again, on wall-clock time over a real
// loopback HTTP server (net/http), with a net/http client wrapped as an
// endpoint behind each breaker. So that one run per contestant takes
// 8.4 s (the four under 35 s), every duration of the simulated scenario is
// divided by loopScale: the phases (3% for 2.4 s, 25% for 2.4 s, 100% for
// 1.2 s, then 0% for 2.4 s) and the breakers' own time constants alike
// (windows, buckets, open periods; gobreaker's default 60 s open period
// becomes 2.4 s). The
// client calls at loopRate, sequentially, each call leaving at its
// scheduled instant (or at once when the client fell behind). Counts-based
// rules (gobreaker's 6 consecutive failures, minimum volumes) are not
// scaled, so the call rate per scaled second is loopRate/loopScale.
const (
	loopScale = 25
	loopRate  = 1000 // calls per wall-clock second

	loopPartial   = phasePartial / loopScale
	loopDown      = phaseDown / loopScale
	loopRecovered = phaseRecovered / loopScale
	loopEnd       = detectEnd / loopScale
	loopSlot      = time.Second / loopScale // recovery is judged per slot
)

var loopContestants = []detectContestant{
	{"gobreaker-defaults", func(uint64) endpoint.Middleware {
		// Settings{} but for the open period, scaled like everything else.
		return circuitbreaker.Gobreaker(gobreaker.NewCircuitBreaker[any](gobreaker.Settings{
			Timeout: 60 * time.Second / loopScale,
		}))
	}},
	{"gobreaker-tuned", func(uint64) endpoint.Middleware {
		return circuitbreaker.Gobreaker(gobreaker.NewCircuitBreaker[any](gobreaker.Settings{
			Interval: 10 * time.Second / loopScale, BucketPeriod: time.Second / loopScale,
			Timeout: 5 * time.Second / loopScale, MaxRequests: 5,
			ReadyToTrip: func(c gobreaker.Counts) bool {
				return c.Requests >= 20 && float64(c.TotalFailures) >= 0.2*float64(c.Requests)
			},
		}))
	}},
	{"kit-breaker", func(uint64) endpoint.Middleware {
		return circuitbreaker.NewBreaker(circuitbreaker.Settings{
			FailureRatio: 0.2,
			Window:       10 * time.Second / loopScale,
			OpenFor:      5 * time.Second / loopScale,
		}).Middleware
	}},
	{"kit-throttle-10s", func(seed uint64) endpoint.Middleware {
		r := rand.New(rand.NewPCG(seed, 7))
		return circuitbreaker.NewThrottle(circuitbreaker.ThrottleSettings{Window: 10 * time.Second / loopScale},
			circuitbreaker.ThrottleRandom(r.Float64)).Middleware
	}},
}

// flakyServer is a loopback HTTP server that answers 500 with the
// probability the test sets, from one seeded sequence, and 200 otherwise.
type flakyServer struct {
	srv   *httptest.Server
	failP atomic.Uint64 // math.Float64bits of the failure probability
	mu    sync.Mutex
	rng   *rand.Rand
}

func newFlakyServer() *flakyServer {
	f := &flakyServer{rng: rand.New(rand.NewPCG(1, 2))}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		p := math.Float64frombits(f.failP.Load())
		f.mu.Lock()
		fail := f.rng.Float64() < p
		f.mu.Unlock()
		if fail {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	return f
}

func (f *flakyServer) setFailure(p float64) { f.failP.Store(math.Float64bits(p)) }

var errServer = errors.New("server error")

// endpoint calls the server with a plain net/http client: any status but
// 200, or a transport error, is a failure.
func (f *flakyServer) endpoint(client *http.Client) endpoint.Endpoint {
	return func(ctx context.Context, _ any) (any, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.srv.URL, nil)
		if err != nil {
			return nil, err
		}
		resp, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("%w: %d", errServer, resp.StatusCode)
		}
		return "ok", nil
	}
}

// detectHTTP runs the scaled scenario once against a fresh server and
// client. Durations in the result are wall-clock.
func detectHTTP(c detectContestant) (res detectResult) {
	res.actAt25, res.actAt100, res.recover95 = -1, -1, -1
	f := newFlakyServer()
	defer f.srv.Close()
	tr := &http.Transport{MaxIdleConnsPerHost: 4}
	defer tr.CloseIdleConnections()
	e := c.make(3)(f.endpoint(&http.Client{Transport: tr, Timeout: time.Second}))

	start := time.Now()
	acted := false
	var slotCalls, slotOK, recCalls, recOK int
	slotEnd := loopRecovered + loopSlot
	for i := 0; ; i++ {
		at := time.Duration(i) * time.Second / loopRate
		if at >= loopEnd {
			break
		}
		time.Sleep(time.Until(start.Add(at)))
		switch {
		case at < loopPartial:
			f.setFailure(0.03)
		case at < loopDown:
			f.setFailure(0.25)
		case at < loopRecovered:
			f.setFailure(1)
		default:
			f.setFailure(0)
		}
		_, err := e(context.Background(), nil)
		rejected := errors.Is(err, circuitbreaker.ErrOpen)
		failed := err != nil && !rejected
		switch {
		case at < loopPartial:
			if rejected {
				res.falseRejects++
			}
		case at < loopRecovered:
			if failed {
				res.failedReached++
				if !acted {
					res.failedBeforeAct++
				}
			}
			if rejected {
				acted = true
				if at < loopDown && res.actAt25 < 0 {
					res.actAt25 = at - loopPartial
				}
				if at >= loopDown && res.actAt100 < 0 {
					res.actAt100 = at - loopDown
				}
			}
		default:
			for at >= slotEnd { // the client fell behind a whole slot
				slotEnd += loopSlot
				slotCalls, slotOK = 0, 0
			}
			recCalls++
			slotCalls++
			if err == nil {
				recOK++
				slotOK++
			}
			if rejected {
				res.rejectedWhileFixed++
			}
			if slotCalls == loopRate/loopScale {
				if res.recover95 < 0 && float64(slotOK) > 0.95*float64(slotCalls) {
					res.recover95 = slotEnd - loopRecovered
				}
				slotCalls, slotOK = 0, 0
				slotEnd += loopSlot
			}
		}
	}
	if recCalls > 0 {
		res.successAfterRecov = float64(recOK) / float64(recCalls)
	}
	return res
}

// BenchmarkScenarioBreakerHTTP runs the loopback scenario once per
// contestant per b.N (each run takes loopEnd, 8.4 s) and reports the
// failures that reached the server before the breaker first rejected a
// call, the time to act in the 25% and 100% phases (wall-clock ms; -1:
// not in that phase), the time from recovery to the first slot with more
// than 95% success (-1: never), the calls rejected during the 3% phase
// (false trips) and the success share after recovery.
func BenchmarkScenarioBreakerHTTP(b *testing.B) {
	ms := func(d time.Duration) float64 {
		if d < 0 {
			return -1
		}
		return float64(d) / float64(time.Millisecond)
	}
	for _, c := range loopContestants {
		b.Run("impl="+c.name, func(b *testing.B) {
			var r detectResult
			for range b.N {
				r = detectHTTP(c)
			}
			b.ReportMetric(float64(r.failedBeforeAct), "failed-before-act")
			b.ReportMetric(ms(r.actAt25), "act25-ms")
			b.ReportMetric(ms(r.actAt100), "act100-ms")
			b.ReportMetric(ms(r.recover95), "recover95-ms")
			b.ReportMetric(float64(r.falseRejects), "false-trips")
			b.ReportMetric(100*r.successAfterRecov, "success-after-%")
			b.ReportMetric(float64(r.failedReached), "failed-reached")
			// The claims of the README's table, with room for a loaded
			// machine: nothing trips at 3%, everything acts in a full
			// outage, and kit's breaker also at 25% and recovers.
			if r.falseRejects != 0 {
				b.Errorf("%s rejected %d calls at a 3%% error rate, want 0", c.name, r.falseRejects)
			}
			if r.actAt100 < 0 {
				b.Errorf("%s never acted while every call failed", c.name)
			}
			if c.name == "kit-breaker" && (r.actAt25 < 0 || r.recover95 < 0) {
				b.Errorf("kit-breaker: acted %v into the 25%% phase, recovered after %v; want both (not -1)", r.actAt25, r.recover95)
			}
		})
	}
}

// TestFlakyServerTripsBreaker checks the loopback harness in a fraction of
// a second: a server failing every call trips kit's breaker over real
// HTTP, and a healthy one never does.
func TestFlakyServerTripsBreaker(t *testing.T) {
	f := newFlakyServer()
	defer f.srv.Close()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 5 * time.Second}
	for _, tc := range []struct {
		name     string
		failP    float64
		wantOpen bool
	}{
		{"healthy", 0, false},
		{"down", 1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.setFailure(tc.failP)
			e := circuitbreaker.NewBreaker(circuitbreaker.Settings{OpenFor: time.Minute}).Middleware(f.endpoint(client))
			var opened bool
			for range 50 {
				_, err := e(context.Background(), nil)
				if errors.Is(err, circuitbreaker.ErrOpen) {
					opened = true
					break
				}
				if tc.failP == 0 && err != nil {
					t.Fatalf("healthy server: %v", err)
				}
				if tc.failP == 1 && !errors.Is(err, errServer) {
					t.Fatalf("failing server: got %v, want errServer", err)
				}
			}
			if opened != tc.wantOpen {
				t.Errorf("breaker opened = %v, want %v", opened, tc.wantOpen)
			}
		})
	}
}
