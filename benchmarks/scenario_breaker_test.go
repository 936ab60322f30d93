package benchmarks

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/sony/gobreaker/v2"

	"github.com/endpointkit/kit/circuitbreaker"
	"github.com/endpointkit/kit/endpoint"
)

// The breaker-detection scenario runs in a testing/synctest bubble, so every
// breaker (gobreaker included, which reads time.Now itself) sees virtual
// time: the 210 simulated seconds take well under a second, and every run
// gives the same figures. One client calls a dependency 200 times a second.
// The dependency fails at random (one seeded sequence for all contestants):
//
//	  0–60s   3%   background errors: any rejection here is a false trip
//	 60–120s 25%   partly broken
//	120–150s 100%  down
//	150–210s  0%   recovered
const (
	detectRate     = 200 // calls per second
	phasePartial   = 60 * time.Second
	phaseDown      = 120 * time.Second
	phaseRecovered = 150 * time.Second
	detectEnd      = 210 * time.Second
)

type detectContestant struct {
	name string
	make func(seed uint64) endpoint.Middleware
}

var detectContestants = []detectContestant{
	{"gobreaker-defaults", func(uint64) endpoint.Middleware {
		return circuitbreaker.Gobreaker(gobreaker.NewCircuitBreaker[any](gobreaker.Settings{}))
	}},
	{"gobreaker-tuned", func(uint64) endpoint.Middleware {
		// The same policy as kit-breaker below, as far as gobreaker can
		// express it: 20% of at least 20 calls in a 10s rolling window.
		return circuitbreaker.Gobreaker(gobreaker.NewCircuitBreaker[any](gobreaker.Settings{
			Interval: 10 * time.Second, BucketPeriod: time.Second,
			Timeout: 5 * time.Second, MaxRequests: 5,
			ReadyToTrip: func(c gobreaker.Counts) bool {
				return c.Requests >= 20 && float64(c.TotalFailures) >= 0.2*float64(c.Requests)
			},
		}))
	}},
	{"kit-breaker", func(uint64) endpoint.Middleware {
		return circuitbreaker.NewBreaker(circuitbreaker.Settings{FailureRatio: 0.2}).Middleware
	}},
	{"kit-throttle", func(seed uint64) endpoint.Middleware {
		r := rand.New(rand.NewPCG(seed, 7))
		return circuitbreaker.NewThrottle(circuitbreaker.ThrottleSettings{},
			circuitbreaker.ThrottleRandom(r.Float64)).Middleware
	}},
	{"kit-throttle-10s", func(seed uint64) endpoint.Middleware {
		// The book's 2-minute window remembers the good minutes before an
		// outage for long; a 10s window follows it closer.
		r := rand.New(rand.NewPCG(seed, 7))
		return circuitbreaker.NewThrottle(circuitbreaker.ThrottleSettings{Window: 10 * time.Second},
			circuitbreaker.ThrottleRandom(r.Float64)).Middleware
	}},
}

type detectResult struct {
	falseRejects       int           // rejected during the 3% phase
	failedBeforeAct    int           // failures that reached the dependency from 60s to the first rejection
	actAt25, actAt100  time.Duration // first rejection after the phase began; -1: none in the phase
	failedReached      int           // failures that reached the dependency from 60s to 150s
	recover95          time.Duration // from 150s to the first 1s with >95% of calls succeeding; -1: never
	successAfterRecov  float64       // share of calls that succeeded from 150s to the end
	rejectedWhileFixed int           // rejected from 150s to the end
}

// detect runs the scenario for c, recording it in s (nil: nowhere).
func detect(c detectContestant, s *series) (res detectResult) {
	res.actAt25, res.actAt100, res.recover95 = -1, -1, -1
	rng := rand.New(rand.NewPCG(1, 2))
	var failP float64
	e := c.make(3)(func(context.Context, any) (any, error) {
		s.attempt("")
		if rng.Float64() < failP {
			return nil, errors.New("unavailable")
		}
		return "ok", nil
	})
	start := time.Now()
	acted := false
	var secCalls, secOK int
	var recCalls, recOK int
	for i := 0; ; i++ {
		at := time.Duration(i) * time.Second / detectRate
		if at >= detectEnd {
			break
		}
		time.Sleep(time.Until(start.Add(at)))
		switch {
		case at < phasePartial:
			failP = 0.03
		case at < phaseDown:
			failP = 0.25
		case at < phaseRecovered:
			failP = 1
		default:
			failP = 0
		}
		sent := time.Now()
		_, err := e(context.Background(), nil)
		s.request(sent, time.Since(sent), err != nil)
		rejected := errors.Is(err, circuitbreaker.ErrOpen)
		failed := err != nil && !rejected
		switch {
		case at < phasePartial:
			if rejected {
				res.falseRejects++
			}
		case at < phaseRecovered:
			if failed {
				res.failedReached++
				if !acted {
					res.failedBeforeAct++
				}
			}
			if rejected {
				acted = true
				if at < phaseDown && res.actAt25 < 0 {
					res.actAt25 = at - phasePartial
				}
				if at >= phaseDown && res.actAt100 < 0 {
					res.actAt100 = at - phaseDown
				}
			}
		default:
			recCalls++
			secCalls++
			if err == nil {
				recOK++
				secOK++
			}
			if rejected {
				res.rejectedWhileFixed++
			}
			if secCalls == detectRate {
				if res.recover95 < 0 && float64(secOK) > 0.95*float64(secCalls) {
					res.recover95 = at + time.Second/detectRate - phaseRecovered
				}
				secCalls, secOK = 0, 0
			}
		}
	}
	res.successAfterRecov = float64(recOK) / float64(recCalls)
	return res
}

func fmtDur(d time.Duration) string {
	if d < 0 {
		return "—"
	}
	return d.Round(10 * time.Millisecond).String()
}

// TestScenarioBreakerDetection prints the breaker-detection table (go test
// -run ScenarioBreaker -v) and checks the claims benchmarks/README.md makes.
func TestScenarioBreakerDetection(t *testing.T) {
	if testing.Short() {
		t.Skip("scenario")
	}
	var b strings.Builder
	fmt.Fprintln(&b, "| impl | rejected at 3% | failures before acting | to act at 25% | to act at 100% | failures reaching it (60–150s) | recovery to >95% | success after recovery |")
	fmt.Fprintln(&b, "|---|---|---|---|---|---|---|---|")
	results := map[string]detectResult{}
	tl := newTimeline("breaker")
	defer writeTimeline(t, tl)
	tl.fault(phasePartial, phaseDown, "25% fail")
	tl.fault(phaseDown, phaseRecovered, "100% fail")
	for _, c := range detectContestants {
		var r detectResult
		synctest.Test(t, func(t *testing.T) { r = detect(c, tl.series(c.name)) })
		results[c.name] = r
		fmt.Fprintf(&b, "| %s | %d | %d | %s | %s | %d | %s | %.1f%% |\n", c.name, r.falseRejects, r.failedBeforeAct,
			fmtDur(r.actAt25), fmtDur(r.actAt100), r.failedReached, fmtDur(r.recover95), 100*r.successAfterRecov)
	}
	t.Log("\n" + b.String())

	kit := results["kit-breaker"]
	if kit.falseRejects != 0 {
		t.Errorf("kit-breaker rejected %d calls at a 3%% error rate, want 0", kit.falseRejects)
	}
	if kit.actAt25 < 0 || kit.actAt25 > 10*time.Second {
		t.Errorf("kit-breaker acted %v into the 25%% phase, want within 10s", kit.actAt25)
	}
	if def := results["gobreaker-defaults"]; def.actAt25 >= 0 && def.failedBeforeAct < kit.failedBeforeAct {
		t.Logf("note: gobreaker defaults acted after fewer failures (%d) than kit-breaker (%d) with this seed", def.failedBeforeAct, kit.failedBeforeAct)
	}
}
