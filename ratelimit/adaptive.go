package ratelimit

import (
	"context"
	"errors"
	"math"
	"math/bits"
	"sync/atomic"
	"time"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/metrics"
	"github.com/endpointkit/kit/metrics/discard"
)

// AdaptiveSettings configures an [Adaptive] limit. The zero value is ready
// to use.
type AdaptiveSettings struct {
	// Initial is the limit before any latency was observed. Zero means 20.
	Initial int
	// Min and Max bound the limit. Zero means 1 and 1000.
	Min, Max int
	// Alpha and Beta are the estimated number of queued calls below which
	// the limit grows and above which it shrinks. Zero means 3 and 6; both
	// are scaled by log10 of the limit once it passes 10, as in TCP Vegas
	// implementations, so that large limits are not starved.
	Alpha, Beta float64
	// Backoff is the factor applied to the limit when a call is dropped
	// (it timed out on this hop's own limit: the clearest sign of
	// overload). Zero means 0.9.
	Backoff float64
}

// Adaptive is a concurrency limit that finds its own value from observed
// latency, after TCP Vegas as Netflix's concurrency-limits applies it to
// RPCs. It keeps the lowest latency seen (the latency without queueing),
// and after each call estimates how many calls were queued:
//
//	queued = limit × (1 − minLatency / latency)
//
// Fewer than Alpha queued: the backend has room, the limit grows by about
// log10(limit). More than Beta: calls are waiting on each other, it
// shrinks by as much. A dropped call (one that timed out on this hop's own
// limit) cuts it by Backoff. Calls beyond the limit fail at once with [ErrInFlight], which
// keeps the latency of admitted calls near the unloaded latency while
// offered load exceeds capacity, instead of every call queueing past its
// deadline.
//
// Growth is only taken from calls that saw at least half the limit in
// flight, so an idle service does not inflate its limit.
//
// Calls that fail for another reason tell nothing about queueing and leave
// the limit alone. An Adaptive is safe for concurrent use.
type Adaptive struct {
	s                 AdaptiveSettings
	limitG, inflightG metrics.Gauge
	gauged            bool // a gauge was set: keep it up to date
	classify          endpoint.Classifier
	customClass       bool // classify is not endpoint.Classify

	// The count in flight, written by every call, on cache lines of its
	// own, so that the fields around it, read by every call and seldom
	// written, are not invalidated in other processors' caches by each
	// write.
	_        [64]byte
	inflight atomic.Int64
	_        [64]byte
	limit    atomic.Uint64 // math.Float64bits of the limit
	minRTT   atomic.Int64  // nanoseconds; zero until the first sample
}

// AdaptiveOption configures an [Adaptive].
type AdaptiveOption func(*Adaptive)

// AdaptiveLimit sets a gauge that follows the current limit. By default it
// is discarded.
func AdaptiveLimit(g metrics.Gauge) AdaptiveOption {
	return func(a *Adaptive) { a.limitG, a.gauged = g, true }
}

// AdaptiveInFlight sets a gauge that follows the number of calls in flight.
// By default it is discarded.
func AdaptiveInFlight(g metrics.Gauge) AdaptiveOption {
	return func(a *Adaptive) { a.inflightG, a.gauged = g, true }
}

// AdaptiveClassifier sets how the Middleware classifies a call (see
// [Adaptive.Middleware]). By default, [endpoint.Classify] is used; a nil c
// means the default.
func AdaptiveClassifier(c endpoint.Classifier) AdaptiveOption {
	return func(a *Adaptive) {
		if c == nil {
			a.classify, a.customClass = endpoint.Classify, false
			return
		}
		a.classify, a.customClass = c, true
	}
}

// NewAdaptive returns an Adaptive limit configured by s and opts.
func NewAdaptive(s AdaptiveSettings, opts ...AdaptiveOption) *Adaptive {
	if s.Initial <= 0 {
		s.Initial = 20
	}
	if s.Min <= 0 {
		s.Min = 1
	}
	if s.Max <= 0 {
		s.Max = 1000
	}
	s.Max = max(s.Max, s.Min)
	if s.Alpha <= 0 {
		s.Alpha = 3
	}
	if s.Beta <= 0 {
		s.Beta = 6
	}
	s.Beta = max(s.Beta, s.Alpha)
	if s.Backoff <= 0 || s.Backoff >= 1 {
		s.Backoff = 0.9
	}
	a := &Adaptive{s: s, limitG: discard.NewGauge(), inflightG: discard.NewGauge(), classify: endpoint.Classify}
	for _, o := range opts {
		o(a)
	}
	limit := float64(min(max(s.Initial, s.Min), s.Max))
	a.limit.Store(math.Float64bits(limit))
	a.limitG.Set(limit)
	return a
}

// AdaptiveTicket records an admitted call for [Adaptive.ReleaseAt].
type AdaptiveTicket struct {
	start    time.Time
	inflight int // in flight when admitted, this call included
}

// AcquireAt admits a call starting at instant now, or returns
// [ErrInFlight] when the limit is reached. An admitted call must be
// released exactly once with ReleaseAt. It takes no lock: a call refused
// at the limit only reads the count in flight, and admission is one atomic
// addition to it, which never retries under contention as a
// compare-and-swap loop does (a call that finds the limit passed after all
// takes its addition back, so a call racing with it may be refused too, as
// with [Bulkhead]).
func (a *Adaptive) AcquireAt(now time.Time) (AdaptiveTicket, error) {
	limit := int64(math.Float64frombits(a.limit.Load()))
	if a.inflight.Load() >= limit {
		return AdaptiveTicket{}, ErrInFlight
	}
	n := a.inflight.Add(1)
	if n > limit {
		a.inflight.Add(-1)
		return AdaptiveTicket{}, ErrInFlight
	}
	if a.gauged {
		a.inflightG.Add(1)
	}
	return AdaptiveTicket{start: now, inflight: int(n)}, nil
}

// Outcome is what an ended call tells an [Adaptive] limit.
type Outcome uint8

const (
	// Sampled means the call completed; its latency is a sample.
	Sampled Outcome = iota
	// Dropped means the call was lost to overload: it timed out on this
	// hop's own limit.
	Dropped
	// Ignored means the call failed for another reason; its latency says
	// nothing about queueing.
	Ignored
)

// ReleaseAt ends a call admitted by AcquireAt at instant now, with outcome
// Sampled, Dropped or Ignored, and adapts the limit.
func (a *Adaptive) ReleaseAt(t AdaptiveTicket, now time.Time, outcome Outcome) {
	a.release(t, now.Sub(t.start), outcome)
}

// release ends a call that took rtt. It takes no lock: the minimum latency
// and the limit are atomics, the limit updated by compare-and-swap (a
// sample that loses the race is applied again to the new limit), and
// nothing is written when a sample leaves the limit as it was.
func (a *Adaptive) release(t AdaptiveTicket, rtt time.Duration, outcome Outcome) {
	a.inflight.Add(-1)
	if a.gauged {
		a.inflightG.Add(-1)
	}
	var minRTT float64
	switch outcome {
	case Ignored:
		return
	case Sampled:
		rtt = max(rtt, 1)
		m := a.minRTT.Load()
		for m == 0 || int64(rtt) < m {
			if a.minRTT.CompareAndSwap(m, int64(rtt)) {
				m = int64(rtt)
				break
			}
			m = a.minRTT.Load()
		}
		minRTT = float64(m)
	}
	lo, hi := float64(a.s.Min), float64(a.s.Max)
	for {
		old := a.limit.Load()
		limit := math.Float64frombits(old)
		next := limit * a.s.Backoff
		if outcome == Sampled {
			next = a.vegas(limit, minRTT, float64(rtt), t.inflight)
		}
		// Comparisons, not min and max: those order NaNs and signed
		// zeros, which cost a dozen instructions each, and neither occurs.
		if next < lo {
			next = lo
		} else if next > hi {
			next = hi
		}
		if next == limit {
			return
		}
		if a.limit.CompareAndSwap(old, math.Float64bits(next)) {
			if a.gauged {
				a.limitG.Set(math.Floor(next))
			}
			return
		}
	}
}

// vegas returns the limit after one latency sample by the Vegas rule.
func (a *Adaptive) vegas(limit, minRTT, rtt float64, inflight int) float64 {
	// log10(limit), to within a factor of 2 of the limit: floor(log2)
	// times log10(2), a bit count instead of a logarithm on every call.
	scale := float64(bits.Len64(uint64(int64(limit)))-1) * (math.Log10E * math.Ln2)
	if scale < 1 {
		scale = 1
	}
	queued := limit * (1 - minRTT/rtt)
	switch {
	case queued > a.s.Beta*scale:
		return limit - scale
	case queued < a.s.Alpha*scale && float64(inflight)*2 >= limit:
		return limit + scale
	}
	return limit
}

// Limit returns the current limit.
func (a *Adaptive) Limit() int {
	return int(math.Float64frombits(a.limit.Load()))
}

// InFlight returns the number of calls admitted and not yet released.
func (a *Adaptive) InFlight() int {
	return int(a.inflight.Load())
}

// Middleware wraps next so that calls beyond the limit fail with
// [ErrInFlight]. Each call is classified by kit's failure model (see
// [AdaptiveClassifier]):
//
//   - a Success or a BusinessError is a latency sample;
//   - a DependencyFailure that is a timeout (this hop's own, set with
//     endpoint.Timeout or endpoint.WithTimeout, or one reported from
//     below) is Dropped and cuts the limit;
//   - anything else is Ignored: a CallerError above all, so that callers
//     who send tiny deadlines (an HTTP request with Kit-Timeout: 2) cannot
//     shrink the limit every other caller shares; and other failures,
//     whose latency says nothing about queueing.
//
// It reads the
// wall and monotonic clocks once per admitted call (time.Now), and the
// monotonic clock alone (time.Since) once more for the latency; callers that
// have the instants already use AcquireAt and ReleaseAt.
func (a *Adaptive) Middleware(next endpoint.Endpoint) endpoint.Endpoint {
	return func(ctx context.Context, request any) (any, error) {
		t, err := a.AcquireAt(time.Now())
		if err != nil {
			return nil, err
		}
		outcome := Ignored // a panic in next releases without a sample
		defer func() {
			// time.Since reads only the monotonic clock.
			a.release(t, time.Since(t.start), outcome)
		}()
		resp, err := next(ctx, request)
		if err == nil && !a.customClass {
			// endpoint.Classify calls a nil error a Success or a
			// BusinessError: a sample either way, without the call.
			outcome = Sampled
		} else {
			outcome = a.sample(ctx, resp, err)
		}
		return resp, err
	}
}

// sample turns a call's classification into what it tells the limit.
func (a *Adaptive) sample(ctx context.Context, resp any, err error) Outcome {
	switch o := a.classify(ctx, resp, err); o.Kind {
	case endpoint.Success, endpoint.BusinessError:
		return Sampled
	case endpoint.DependencyFailure:
		if errors.Is(context.Cause(ctx), endpoint.ErrTimeout) || isTimeout(err) {
			return Dropped
		}
	}
	return Ignored
}

// isTimeout reports whether err says a deadline passed: DeadlineExceeded
// or an error whose Timeout() is true (net.Error, kit's transport errors
// for 504 and DeadlineExceeded).
func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}
