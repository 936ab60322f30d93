package loadbalancer

import (
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/endpointkit/kit/endpoint"
)

// P2CSettings configures the load-aware balancers. The zero value is ready to
// use and holds the defaults of Finagle and Linkerd for the latency average.
type P2CSettings struct {
	// Decay is the time constant of the peak-EWMA latency: a sample's weight
	// falls by a factor e every Decay. Zero means 10s.
	Decay time.Duration
	// Penalty is the cost, in nanoseconds of latency, of an instance that has
	// calls in flight but no finished call yet: a new instance gets one probe
	// and then waits for its answer instead of taking a flood of requests on
	// the strength of knowing nothing. Zero means 1s.
	//
	// It is also the failure penalty: a failed call (one whose Outcome, by
	// Classifier, is Failed: a DependencyFailure or an Overloaded refusal)
	// sets its instance's cost to at least Penalty, however fast it failed,
	// and that floor fades by a factor e every FailureDecay. An instance
	// that refuses connections or whose breaker is open answers in
	// microseconds, and would otherwise look like the best instance of all
	// and draw most calls, each a failure for a retry to pay for. The
	// failed call's own time counts as a lower bound of the latency: a
	// timeout raises the estimate to its duration, which the decay or
	// ProbeAfter forgets, so that an instance that stalled is probed again
	// within ProbeAfter.
	Penalty time.Duration
	// FailureDecay is the time constant of the failure penalty, kept apart
	// from the latency average: after its latest failure an instance is
	// avoided for about FailureDecay·ln(Penalty/c), c being the cost of
	// the instances it is drawn with (1.7s next to 1ms instances with the
	// defaults, 2.3s next to 100µs ones), then probed; a probe that fails
	// renews the penalty, one that succeeds finds the instance as it was.
	// Zero means 250ms.
	FailureDecay time.Duration
	// ProbeAfter bounds how long an instance can go unpicked: an estimate
	// whose latest sample is ProbeAfter old is forgotten, and the instance
	// is probed as a new one (one call, then a wait for its answer, which
	// starts its estimate afresh). Without it, an instance whose cost was
	// raised by one slow answer gets no calls, so no sample corrects it,
	// until the cost has decayed below the others' (Decay·ln of their
	// ratio: 46s from 2s to 20ms). The failure penalty still applies to a
	// forgotten estimate. Zero means Decay; negative means never.
	ProbeAfter time.Duration
	// Classifier tells failed calls from the others. Nil means
	// endpoint.Classify: a bad request counts as its latency, not as a
	// failure of the instance; a call its caller gave up on (a canceled
	// context, the caller's deadline, a hedged call's losing attempt)
	// counts as a lower bound of the latency, which may raise the
	// estimate but never lowers it.
	Classifier endpoint.Classifier
}

func (s P2CSettings) withDefaults() P2CSettings {
	if s.Decay <= 0 {
		s.Decay = 10 * time.Second
	}
	if s.Penalty <= 0 {
		s.Penalty = time.Second
	}
	if s.FailureDecay <= 0 {
		s.FailureDecay = 250 * time.Millisecond
	}
	if s.ProbeAfter == 0 {
		s.ProbeAfter = s.Decay
	}
	if s.ProbeAfter < 0 {
		s.ProbeAfter = 0 // never: staleAfter 0
	}
	if s.Classifier == nil {
		s.Classifier = endpoint.Classify
	}
	return s
}

// P2C is a load-aware Balancer: it draws two distinct endpoints at random and
// returns the one with the lower cost, where cost is the peak-EWMA latency of
// the instance times its number of calls in flight plus one. Peak EWMA reacts
// at once to a slow response and forgets it over [P2CSettings.Decay], so a
// slow or overloaded instance quickly gets less traffic, yet is tried again.
// Two random choices (rather than the best of all) keep many clients from
// stampeding onto the same instance and make a pick O(1).
//
// Two rules keep an instance that P2C avoids from being starved once it is
// healthy, since an instance that gets no calls yields no sample to
// correct what is known of it:
//
//   - A failed call sets a failure penalty, [P2CSettings.Penalty] of
//     latency, kept apart from the latency average and fading with its
//     own short time constant, [P2CSettings.FailureDecay]: an instance
//     refusing connections (or whose breaker is open) does not draw the
//     calls it cannot serve, and is probed again about two seconds after
//     its latest failure; each failed probe renews the penalty, and a
//     recovered instance takes its share at once, its latency estimate
//     untouched by failures that came fast (a slow one, a timeout, raises
//     it to its duration).
//   - An estimate older than [P2CSettings.ProbeAfter] (Decay by default)
//     is forgotten and the instance probed as a new one, so that one slow
//     answer does not banish an instance for longer than that.
//
// P2C learns only from calls made through the endpoints it returns. It is
// safe for concurrent use; a pick takes no lock and does not allocate.
type P2C struct {
	t       *tracker
	penalty float64
}

// NewP2C returns a power-of-two-choices balancer over peak-EWMA latency.
func NewP2C(s Endpointer, settings P2CSettings) *P2C {
	settings = settings.withDefaults()
	t := newTracker(s, settings.Decay, true)
	t.failCost, t.failTau, t.classify = float64(settings.Penalty), float64(settings.FailureDecay), settings.Classifier
	t.staleAfter = int64(settings.ProbeAfter)
	return &P2C{t: t, penalty: float64(settings.Penalty)}
}

// Endpoint implements Balancer.
func (b *P2C) Endpoint() (endpoint.Endpoint, error) {
	nodes, err := b.t.nodes()
	if err != nil {
		return nil, err
	}
	switch len(nodes) {
	case 0:
		return nil, ErrNoEndpoints
	case 1:
		return nodes[0].e, nil
	}
	i, j := pickTwo(len(nodes))
	x, y := nodes[i], nodes[j]
	if b.less(y, x) {
		x = y
	}
	return x.e, nil
}

// less reports whether x costs less than y now.
func (b *P2C) less(x, y *node) bool {
	xs, ys := x.st, y.st
	if xs.observed.Load() && ys.observed.Load() && xs.inflight.Load() == 0 && ys.inflight.Load() == 0 &&
		xs.failed.Load() == 0 && ys.failed.Load() == 0 {
		// Idle instances that never failed: their costs decay by
		// exp(-(now-stamp)/tau), and comparing them needs only the
		// difference of their stamps, which spares a clock read. An
		// estimate staleAfter older than the other's is stale now too
		// (now is past both stamps) and costs nothing. When both are
		// stale, this compares what they were, where cost calls it a
		// tie: either way the other is probed at its next draw.
		sx, sy := xs.stamp.Load(), ys.stamp.Load()
		if st := b.t.staleAfter; st > 0 {
			if sy-sx >= st {
				return true
			}
			if sx-sy >= st {
				return false
			}
		}
		cx := math.Float64frombits(xs.cost.Load())
		cy := math.Float64frombits(ys.cost.Load())
		return cx*math.Exp(float64(sx-sy)/b.t.tau) < cy
	}
	now := b.t.clock()
	return b.cost(x, now) < b.cost(y, now)
}

// cost is the expected latency of one more call on n: its peak-EWMA
// latency, or the mean age of its calls in flight if that is larger (an
// instance that stopped answering looks slow before any call finishes), or
// its failure penalty if that is larger still, times the calls in flight
// plus one. An instance with no estimate (new, or whose estimate is older
// than ProbeAfter) costs its failure penalty when idle (nothing, unless
// it failed lately: it is worth a probe), and Penalty while its probe is
// in flight.
func (b *P2C) cost(n *node, now int64) float64 {
	st := n.st
	inflight := float64(st.inflight.Load())
	fail := st.failPenalty(now, b.t.failCost, b.t.failTau)
	if !st.observed.Load() || st.stale(now, b.t.staleAfter) {
		if inflight == 0 {
			return fail
		}
		return max(b.penalty, fail) + inflight
	}
	lat := max(st.ewma(now, b.t.tau), st.pendingAge(now), fail)
	return lat * (inflight + 1)
}

// pickTwo returns two distinct indexes in [0, n), n >= 2.
func pickTwo(n int) (int, int) {
	i := rand.IntN(n)
	j := rand.IntN(n - 1)
	if j >= i {
		j++
	}
	return i, j
}

// LeastInFlight is a Balancer that draws two distinct endpoints at random and
// returns the one with fewer calls in flight (ties go to the first draw). It
// needs no latency history, so it suits backends whose latency says little
// about their load. It is safe for concurrent use; a pick takes no lock and
// does not allocate.
type LeastInFlight struct {
	t *tracker
}

// NewLeastInFlight returns a least-in-flight balancer over s.
func NewLeastInFlight(s Endpointer) *LeastInFlight {
	return &LeastInFlight{t: newTracker(s, 10*time.Second, false)}
}

// Endpoint implements Balancer.
func (b *LeastInFlight) Endpoint() (endpoint.Endpoint, error) {
	nodes, err := b.t.nodes()
	if err != nil {
		return nil, err
	}
	switch len(nodes) {
	case 0:
		return nil, ErrNoEndpoints
	case 1:
		return nodes[0].e, nil
	}
	i, j := pickTwo(len(nodes))
	if nodes[j].st.inflight.Load() < nodes[i].st.inflight.Load() {
		i = j
	}
	return nodes[i].e, nil
}

// pickAvoiding draws two distinct nodes among those whose instance is not
// in tried (or among all, when every node was tried) and returns the better
// by less. With nothing tried it picks as Endpoint does, without
// allocating; otherwise it allocates, which is fine on the retry path.
func pickAvoiding(nodes []*node, tried []string, less func(a, b *node) bool) (Target, error) {
	if len(nodes) == 0 {
		return Target{}, ErrNoEndpoints
	}
	cands := nodes
	if len(tried) > 0 {
		cands = make([]*node, 0, len(nodes))
		for _, n := range nodes {
			if !slices.Contains(tried, n.instance) {
				cands = append(cands, n)
			}
		}
		if len(cands) == 0 {
			cands = nodes
		}
	}
	if len(cands) == 1 {
		return cands[0].target(), nil
	}
	i, j := pickTwo(len(cands))
	if less(cands[j], cands[i]) {
		i = j
	}
	return cands[i].target(), nil
}

// pick implements namedPicker.
func (b *P2C) pick(tried []string) (Target, error) {
	nodes, err := b.t.nodes()
	if err != nil {
		return Target{}, err
	}
	return pickAvoiding(nodes, tried, b.less)
}

// pick implements namedPicker.
func (b *LeastInFlight) pick(tried []string) (Target, error) {
	nodes, err := b.t.nodes()
	if err != nil {
		return Target{}, err
	}
	return pickAvoiding(nodes, tried, func(x, y *node) bool { return x.st.inflight.Load() < y.st.inflight.Load() })
}
