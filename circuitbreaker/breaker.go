package circuitbreaker

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/endpointkit/kit/endpoint"
)

// Settings configures a [Breaker]. The zero value is ready to use: it opens
// when at least half of at least 20 calls in the last 10 seconds failed, and
// stays open for 5 seconds before it lets 5 probes through.
type Settings struct {
	// Window is the span of the rolling window over which ratios are
	// computed. Zero means 10s.
	Window time.Duration
	// Buckets is how many buckets the window is split into; the window
	// slides one bucket at a time. Zero means 10.
	Buckets int
	// MinRequests is the number of calls the window must hold before the
	// breaker may open, so that two failures out of three calls at night
	// do not trip it. Zero means 20.
	MinRequests int
	// FailureRatio is the share of failed calls in the window at or above
	// which the breaker opens. Zero means 0.5; above 1 disables it.
	FailureRatio float64
	// SlowCall is the latency from which a successful call counts as slow.
	// Zero disables slow-call detection.
	SlowCall time.Duration
	// SlowCallRatio is the share of slow calls (failed ones included) in
	// the window at or above which the breaker opens, when SlowCall is set.
	// Zero means 0.5.
	SlowCallRatio float64
	// OpenFor is how long the breaker stays open before it half-opens.
	// Zero means 5s.
	OpenFor time.Duration
	// Probes is how many calls a half-open breaker lets through; it closes
	// when all of them succeed and opens again at the first failure. Zero
	// means 5.
	Probes int
}

func (s Settings) withDefaults() Settings {
	def := func(v *float64, d float64) {
		if *v == 0 {
			*v = d
		}
	}
	if s.Window <= 0 {
		s.Window = 10 * time.Second
	}
	if s.Buckets <= 0 {
		s.Buckets = 10
	}
	if s.MinRequests <= 0 {
		s.MinRequests = 20
	}
	def(&s.FailureRatio, 0.5)
	def(&s.SlowCallRatio, 0.5)
	if s.OpenFor <= 0 {
		s.OpenFor = 5 * time.Second
	}
	if s.Probes <= 0 {
		s.Probes = 5
	}
	return s
}

// Breaker is a circuit breaker that opens on the ratio of failed or slow
// calls over a rolling window, rather than on a run of consecutive
// failures. With the zero [Settings] it opens after 20 calls at a 50% error
// rate, where a consecutive-failures breaker may never see its run.
//
// A Breaker is safe for concurrent use. Use [Breaker.Middleware] to wrap an
// Endpoint, or [Breaker.AllowAt] and [Breaker.DoneAt] to guard anything else.
type Breaker struct {
	s   Settings
	cfg config

	// closed holds gen+1 while the breaker is closed and 0 otherwise, so
	// that AllowAt on a closed breaker, the common case, takes no lock.
	closed atomic.Uint64
	// stripeShift picks the stripe of win a call counts in from the top
	// bits of a hash of its instant; 64 with one stripe.
	stripeShift uint

	mu     sync.Mutex // guards the fields below
	state  State
	gen    uint64 // bumped on every state change; stale results are dropped
	win    window
	until  time.Time // when an open breaker half-opens
	issued int       // probes let through while half-open
	passed int       // probes that succeeded
}

// Ticket records an admitted call for [Breaker.DoneAt]. It is a small value;
// pass it back exactly once.
type Ticket struct {
	start time.Time
	gen   uint64
	probe bool
}

// NewBreaker returns a closed Breaker configured by s and opts.
func NewBreaker(s Settings, opts ...Option) *Breaker {
	b := &Breaker{s: s.withDefaults(), cfg: newConfig(opts)}
	// Twice as many stripes as processors, up to 16, so that goroutines
	// counting successes at once seldom pick the same one.
	stripes, shift := 1, uint(64)
	for stripes < min(2*runtime.GOMAXPROCS(0), 16) {
		stripes, shift = stripes*2, shift-1
	}
	b.stripeShift = shift
	b.win = newWindow(b.s.Window, b.s.Buckets, stripes)
	b.closed.Store(b.gen + 1)
	b.cfg.gauge.Set(float64(Closed))
	return b
}

// State returns the breaker's state at instant now; an open breaker whose
// open period is over reports HalfOpen.
func (b *Breaker) State(now time.Time) State {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.state == Open && !now.Before(b.until) {
		return HalfOpen
	}
	return b.state
}

// AllowAt asks to make a call at instant now. It returns [ErrOpen] (an
// Overloaded refusal in kit's failure model) when the
// breaker is open, or half-open with every probe already let through;
// otherwise the caller makes the call and reports it with DoneAt.
func (b *Breaker) AllowAt(now time.Time) (Ticket, error) {
	if g := b.closed.Load(); g != 0 {
		// A transition racing with this load makes this call one of
		// the old generation, whose result DoneAt then drops: the same
		// as if it had been admitted just before the transition.
		return Ticket{start: now, gen: g - 1}, nil
	}
	b.mu.Lock()
	from := b.state
	if b.state == Open {
		if now.Before(b.until) {
			b.mu.Unlock()
			return Ticket{}, ErrOpen
		}
		b.setLocked(HalfOpen)
	}
	t := Ticket{start: now, gen: b.gen}
	if b.state == HalfOpen {
		if b.issued >= b.s.Probes {
			b.mu.Unlock()
			b.changed(from, HalfOpen)
			return Ticket{}, ErrOpen
		}
		b.issued++
		t.probe = true
	}
	to := b.state
	b.mu.Unlock()
	b.changed(from, to)
	return t, nil
}

// DoneAt reports the outcome of a call admitted by AllowAt, ending at
// instant now. Results of calls admitted before the latest state change are
// ignored, so a burst of stale failures cannot reopen a breaker that has
// since recovered. A success (not slow) or an ignored call of a closed
// breaker, the common case, takes no lock: a success is one atomic
// addition, in one of several stripes of the window, so that concurrent
// callers seldom write the same cache line. (A success racing with a state
// change may be counted in the new state's window.)
//
// A Success or BusinessError outcome is a success, a DependencyFailure or
// Overloaded one a failure, and a CallerError is ignored (see the package
// doc).
func (b *Breaker) DoneAt(t Ticket, now time.Time, o endpoint.Outcome) {
	slow := b.s.SlowCall > 0 && now.Sub(t.start) >= b.s.SlowCall
	fail, ignore := failed(o), !counted(o)
	if !t.probe && !slow && !fail {
		// A ticket that is not a probe was issued by a closed breaker,
		// where an ignored call counts nowhere.
		if !ignore && b.closed.Load() == t.gen+1 {
			ns := now.UnixNano()
			b.win.success(ns, b.stripe(ns))
		}
		return
	}
	b.mu.Lock()
	from := b.state
	if t.gen != b.gen {
		b.mu.Unlock()
		return
	}
	switch b.state {
	case Closed:
		if ignore {
			break
		}
		c := counts{total: 1}
		if fail {
			c.failed = 1
		}
		if slow || fail {
			c.slow = 1
		}
		ns := now.UnixNano()
		b.win.record(ns, b.stripe(ns), c)
		// Only a failure or a slow call can raise a ratio, so a
		// success skips summing the window.
		if (slow || fail) && b.shouldOpenLocked(now) {
			b.openLocked(now)
		}
	case HalfOpen:
		switch {
		case ignore:
			b.issued-- // give the probe back
		case fail || slow:
			b.openLocked(now)
		default:
			b.passed++
			if b.passed >= b.s.Probes {
				b.setLocked(Closed)
			}
		}
	}
	to := b.state
	b.mu.Unlock()
	b.changed(from, to)
}

// shouldOpenLocked reports whether the window's ratios call for opening.
// The caller holds b.mu.
func (b *Breaker) shouldOpenLocked(now time.Time) bool {
	c := b.win.total(now.UnixNano())
	if c.total < uint64(b.s.MinRequests) {
		return false
	}
	total := float64(c.total)
	if float64(c.failed)/total >= b.s.FailureRatio {
		return true
	}
	return b.s.SlowCall > 0 && float64(c.slow)/total >= b.s.SlowCallRatio
}

// stripe returns the stripe of the window a call at instant ns counts in:
// the top bits of a multiplicative (Fibonacci) hash of the instant, whose
// low bits differ between goroutines counting at once, so that they
// seldom pick the same stripe; no call to a random source.
func (b *Breaker) stripe(ns int64) int {
	return int((uint64(ns) * 0x9e3779b97f4a7c15) >> b.stripeShift)
}

// openLocked opens the breaker until now+OpenFor. The caller holds b.mu.
func (b *Breaker) openLocked(now time.Time) {
	b.setLocked(Open)
	b.until = now.Add(b.s.OpenFor)
}

// setLocked moves to state s and starts a new generation. The caller holds
// b.mu.
func (b *Breaker) setLocked(s State) {
	b.state = s
	b.gen++
	b.issued, b.passed = 0, 0
	b.win.reset()
	if s == Closed {
		b.closed.Store(b.gen + 1)
	} else {
		b.closed.Store(0)
	}
}

// changed reports a state change, if there was one; called without b.mu.
func (b *Breaker) changed(from, to State) {
	if from != to {
		b.cfg.notify(from, to)
	}
}

// Middleware wraps next so that calls go through the breaker: rejected ones
// return [ErrOpen] at once, and admitted ones are classified and counted.
// It reads the clock (time.Now) once per call, or twice when
// Settings.SlowCall asks for latencies; callers that have the instant
// already use AllowAt and DoneAt.
func (b *Breaker) Middleware(next endpoint.Endpoint) endpoint.Endpoint {
	timed := b.s.SlowCall > 0
	return func(ctx context.Context, request any) (any, error) {
		t, err := b.AllowAt(time.Now())
		if err != nil {
			return nil, err
		}
		if t.probe {
			return b.probe(ctx, request, next, t)
		}
		// A panic in next loses this call's sample, which a closed breaker
		// can afford; no defer on the common path.
		resp, err := next(ctx, request)
		if err == nil && !b.cfg.customClass && !timed {
			// The common path, DoneAt's for a success of a closed
			// breaker without its call: the call's start stands for its
			// end (one clock read saved), counted without a lock.
			if b.closed.Load() == t.gen+1 {
				ns := t.start.UnixNano()
				b.win.success(ns, b.stripe(ns))
			}
			return resp, nil
		}
		end := t.start
		if timed {
			end = time.Now()
		}
		b.DoneAt(t, end, b.cfg.outcome(ctx, resp, err))
		return resp, err
	}
}

// probe makes a half-open breaker's probe call. A panic in next still
// returns the probe, as a failure, or the breaker would wait forever for it.
func (b *Breaker) probe(ctx context.Context, request any, next endpoint.Endpoint, t Ticket) (resp any, err error) {
	done := false
	defer func() {
		if !done {
			b.DoneAt(t, time.Now(), endpoint.Outcome{Kind: endpoint.DependencyFailure})
		}
	}()
	resp, err = next(ctx, request)
	done = true
	b.DoneAt(t, time.Now(), b.cfg.outcome(ctx, resp, err))
	return resp, err
}
