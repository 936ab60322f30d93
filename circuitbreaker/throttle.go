package circuitbreaker

import (
	"context"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/endpointkit/kit/endpoint"
)

// ThrottleSettings configures a [Throttle]. The zero value is ready to use.
type ThrottleSettings struct {
	// Window is the span over which requests and accepts are counted. Zero
	// means 2m, as in the SRE book.
	Window time.Duration
	// Buckets is how many buckets the window is split into. Zero means 20.
	Buckets int
	// K is how many requests may be sent per accepted one before the
	// throttle starts dropping: 2 lets a backend that rejects everything
	// see about twice what it accepts. Lower is more aggressive. Zero means
	// 2; values below 1 are raised to 1.
	K float64
	// MaxReject caps the rejection probability, so that a share of the
	// traffic always reaches the backend and tells when it is back. With
	// no cap, a throttle that saw a total outage lets about one request per
	// window through, and its accepts only double with every window once the
	// backend recovers: minutes of needless rejection. Zero means 0.9;
	// values above 1 mean 1 (no cap, the book's formula as it is).
	MaxReject float64
}

// Throttle is adaptive client-side throttling as described in Google's SRE
// book (chapter "Handling Overload"). It counts, over a rolling window, the
// requests the application attempted and those the backend accepted, and
// rejects a new request locally with probability
//
//	max(0, (requests − K·accepts) / (requests + 1))
//
// capped at ThrottleSettings.MaxReject, so that a backend which fails most
// calls sees only a trickle from this client, and traffic returns as the
// backend accepts it again. Unlike a
// breaker it has no open period and needs no probes: it follows the
// acceptance ratio continuously.
//
// Its State is Closed while it drops nothing and Open while it drops some;
// a change fires the state hook and gauge. Locally rejected requests
// return [ErrThrottled].
//
// A Throttle is safe for concurrent use.
type Throttle struct {
	k, maxReject float64
	cfg          config
	win          tallyWindow
	state        atomic.Int32 // a State
}

// NewThrottle returns a Throttle configured by s and opts.
func NewThrottle(s ThrottleSettings, opts ...Option) *Throttle {
	if s.Window <= 0 {
		s.Window = 2 * time.Minute
	}
	if s.Buckets <= 0 {
		s.Buckets = 20
	}
	if s.K == 0 {
		s.K = 2
	}
	s.K = max(s.K, 1)
	if s.MaxReject <= 0 {
		s.MaxReject = 0.9
	}
	t := &Throttle{k: s.K, maxReject: min(s.MaxReject, 1), cfg: newConfig(opts), win: newTallyWindow(s.Window, s.Buckets)}
	if t.cfg.random == nil {
		t.cfg.random = rand.Float64
	}
	t.cfg.gauge.Set(float64(Closed))
	return t
}

// ThrottleRandom sets the source of uniform random numbers in [0, 1) a
// [Throttle] draws from; tests pass a fixed sequence. By default, the
// top-level function of math/rand/v2 is used.
func ThrottleRandom(f func() float64) Option {
	return func(cfg *config) { cfg.random = f }
}

// RejectProbability returns the probability with which a request at instant
// now would be rejected.
func (t *Throttle) RejectProbability(now time.Time) float64 {
	return t.probability(t.win.sums(t.win.slot(now.UnixNano())))
}

// probability computes the rejection probability from the window's counts
// of requests and accepts. The common case, a backend that accepts more
// than 1/K of the requests, costs no division.
func (t *Throttle) probability(requests, accepts int64) float64 {
	req, acc := float64(max(requests, 0)), float64(max(accepts, 0))
	if d := req - t.k*acc; d > 0 {
		return min(t.maxReject, d/(req+1))
	}
	return 0
}

// AllowAt decides whether a request at instant now may go to the backend.
// Every request counts, rejected ones included, as the SRE book's formula
// requires; when AllowAt returns nil, the caller reports the outcome with
// DoneAt. It takes no lock but when now starts a new period of the window.
func (t *Throttle) AllowAt(now time.Time) error {
	return t.allow(now.UnixNano())
}

// allow is AllowAt at Unix nanoseconds ns.
func (t *Throttle) allow(ns int64) error {
	c := t.win.slot(ns)
	req := t.win.req.Add(1) - 1 - c.base.req // the requests before this one
	p := t.probability(req, t.win.acc.Load()-c.base.acc)
	to := Closed
	if p > 0 {
		to = Open
	}
	if State(t.state.Load()) != to {
		if from := State(t.state.Swap(int32(to))); from != to {
			t.cfg.notify(from, to)
		}
	}
	if p > 0 && t.cfg.random() < p {
		return ErrThrottled
	}
	return nil
}

// DoneAt reports the outcome of an admitted request at instant now. A
// Success or BusinessError counts as an accept; so does a CallerError,
// because the request was already counted and the backend gave no sign of
// trouble. A DependencyFailure or Overloaded refusal (Outcome.Failed) is
// not accepted.
func (t *Throttle) DoneAt(now time.Time, o endpoint.Outcome) {
	if failed(o) {
		return
	}
	t.win.slot(now.UnixNano())
	t.win.acc.Add(1)
}

// State returns Open while the throttle drops requests and Closed otherwise,
// as of its last decision.
func (t *Throttle) State() State {
	return State(t.state.Load())
}

// Middleware wraps next so that calls go through the throttle. It reads the
// clock (time.Now) once per call: the accept counts in the period
// that is the newest when the call ends, without a second clock read.
func (t *Throttle) Middleware(next endpoint.Endpoint) endpoint.Endpoint {
	return func(ctx context.Context, request any) (any, error) {
		if err := t.allow(time.Now().UnixNano()); err != nil {
			return nil, err
		}
		resp, err := next(ctx, request)
		if (err != nil || t.cfg.customClass) && failed(t.cfg.classify(ctx, resp, err)) {
			return resp, err
		}
		t.win.acc.Add(1)
		return resp, err
	}
}
