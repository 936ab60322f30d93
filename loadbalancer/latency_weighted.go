package loadbalancer

import (
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/endpointkit/kit/endpoint"
)

// LatencyWeightedSettings configures NewLatencyWeighted. The zero value is
// ready to use.
type LatencyWeightedSettings struct {
	// Decay is the time constant of the latency average: a sample's weight
	// falls by a factor e every Decay, and so does what is known of an
	// instance that gets no calls, whose estimate drifts back to the mean.
	// Zero means 10s.
	Decay time.Duration
	// Refresh is how often the weights are recomputed from the latencies.
	// Between refreshes a pick reads a fixed table. A change of the set of
	// endpoints recomputes them at once. Zero means 100ms.
	Refresh time.Duration
	// Floor is the least weight of an instance, as a fraction of the mean
	// weight, so that a slow instance still gets probes and its recovery is
	// seen. Zero means 0.05; a negative value means no floor.
	Floor float64
	// FailurePenalty is the failure penalty: a failed call (one whose
	// Outcome, by Classifier, is Failed: a DependencyFailure or an
	// Overloaded refusal) sets its instance's latency to at least
	// FailurePenalty, however fast it failed, and that floor fades by a
	// factor e every FailureDecay, so that an instance refusing
	// connections (or whose breaker is open) does not take the largest
	// weight for failing in microseconds. The failed call's own time
	// counts as a lower bound of the latency (a timeout raises the
	// estimate to its duration). Zero means 1s.
	FailurePenalty time.Duration
	// FailureDecay is the time constant of the failure penalty, kept apart
	// from the latency average: an instance that stops failing is back to
	// the weight of its latency about FailureDecay·ln(FailurePenalty/its
	// latency) after its latest failure (1.7s for a 1ms instance with the
	// defaults). Zero means 250ms.
	FailureDecay time.Duration
	// Classifier tells failed calls from the others. Nil means
	// endpoint.Classify: a bad request counts as its latency, not as a
	// failure of the instance; a call its caller gave up on (a canceled
	// context, the caller's deadline, a hedged call's losing attempt)
	// counts as a lower bound of the latency, which may raise the
	// estimate but never lowers it.
	Classifier endpoint.Classifier
}

func (s LatencyWeightedSettings) withDefaults() LatencyWeightedSettings {
	if s.Decay <= 0 {
		s.Decay = 10 * time.Second
	}
	if s.Refresh <= 0 {
		s.Refresh = 100 * time.Millisecond
	}
	if s.Floor == 0 {
		s.Floor = 0.05
	}
	if s.Floor < 0 {
		s.Floor = 0
	}
	if s.FailurePenalty <= 0 {
		s.FailurePenalty = time.Second
	}
	if s.FailureDecay <= 0 {
		s.FailureDecay = 250 * time.Millisecond
	}
	if s.Classifier == nil {
		s.Classifier = endpoint.Classify
	}
	return s
}

// minLatency bounds the latency estimates from below, so that an instance
// that answered in no measurable time does not take an infinite weight.
const minLatency = float64(time.Microsecond)

// LatencyWeighted is a Balancer that picks endpoints at random with weights
// inversely proportional to their observed response times: an instance
// answering in 10ms gets twice the calls of one answering in 20ms. It is the
// weighted counterpart of [NewWeighted] for weights nobody configures.
//
// The latency of an instance is the peak EWMA of the calls made through the
// endpoints this balancer returns (as for [P2C]), or the mean age of its
// calls in flight if that is larger, so that an instance that stopped
// answering loses its share before any call times out. A failed call sets a
// failure penalty of [LatencyWeightedSettings.FailurePenalty] of latency,
// kept apart from the latency average and fading with its own short time
// constant, [LatencyWeightedSettings.FailureDecay], so that an instance that
// recovers is back to its share about two seconds after its latest failure;
// the weights are recomputed at the first pick after a failure. An instance that gets
// no calls drifts back to the mean over [LatencyWeightedSettings.Decay]; a
// new instance starts at the mean weight; no instance falls below
// [LatencyWeightedSettings.Floor] of the mean weight.
//
// Unlike P2C, which sends each call to the better of two, it spreads calls
// in proportion, so a moderately slower instance keeps a share of the load
// instead of losing most of it; it does not look at calls in flight.
//
// It is safe for concurrent use. A pick takes no lock and does not allocate:
// it draws from a table of cumulative weights that one picker rebuilds every
// [LatencyWeightedSettings.Refresh] (allocating one table) while the others
// go on reading the previous one.
type LatencyWeighted struct {
	t       *tracker
	refresh int64
	floor   float64

	table atomic.Pointer[latencyTable]
	mu    sync.Mutex // serialises rebuilds
}

type latencyTable struct {
	nodes []*node   // the tracker's node set the table was built from
	cum   []float64 // cum[i] is the total weight of nodes[:i+1]
	at    int64     // tracker clock when built
	fails uint64    // the tracker's count of failed calls when built
}

// NewLatencyWeighted returns a balancer over s that weights instances by the
// inverse of their observed latency.
func NewLatencyWeighted(s Endpointer, settings LatencyWeightedSettings) *LatencyWeighted {
	settings = settings.withDefaults()
	t := newTracker(s, settings.Decay, true)
	t.failCost, t.failTau, t.classify = float64(settings.FailurePenalty), float64(settings.FailureDecay), settings.Classifier
	b := &LatencyWeighted{
		t:       t,
		refresh: int64(settings.Refresh),
		floor:   settings.Floor,
	}
	b.table.Store(&latencyTable{})
	return b
}

// Endpoint implements Balancer.
func (b *LatencyWeighted) Endpoint() (endpoint.Endpoint, error) {
	tab, err := b.current()
	if err != nil {
		return nil, err
	}
	switch len(tab.nodes) {
	case 0:
		return nil, ErrNoEndpoints
	case 1:
		return tab.nodes[0].e, nil
	}
	return tab.nodes[drawCumulative(tab.cum)].e, nil
}

// current returns a table for the tracker's current node set, rebuilding it
// when the set changed (waiting for the lock) or when it is older than
// refresh (only if no other picker is rebuilding it).
func (b *LatencyWeighted) current() (*latencyTable, error) {
	nodes, err := b.t.nodes()
	if err != nil {
		return nil, err
	}
	tab := b.table.Load()
	if !sameSet(nodes, tab.nodes) {
		b.mu.Lock()
		defer b.mu.Unlock()
		if tab = b.table.Load(); !sameSet(nodes, tab.nodes) {
			tab = b.rebuild(nodes, b.t.clock())
		}
		return tab, nil
	}
	if len(nodes) < 2 {
		return tab, nil
	}
	// A failure since the table was built recomputes it at once, so that
	// a failing instance does not keep its weight for up to Refresh.
	if now := b.t.clock(); (now-tab.at >= b.refresh || b.t.failures.Load() != tab.fails) && b.mu.TryLock() {
		defer b.mu.Unlock()
		if tab = b.table.Load(); sameSet(nodes, tab.nodes) && (now-tab.at >= b.refresh || b.t.failures.Load() != tab.fails) {
			tab = b.rebuild(nodes, now)
		}
	}
	return tab, nil
}

// rebuild computes the weights of nodes at now and publishes the table.
// b.mu must be held.
func (b *LatencyWeighted) rebuild(nodes []*node, now int64) *latencyTable {
	tab := &latencyTable{nodes: nodes, cum: make([]float64, len(nodes)), at: now, fails: b.t.failures.Load()}
	// The mean latency, as the harmonic mean of the observed instances'
	// (the latency at which an instance has the mean weight), each at
	// least its failure penalty: an instance failing in microseconds must
	// not drag the mean down to its speed.
	var inv float64
	var observed int
	for _, n := range nodes {
		if n.st.observed.Load() {
			inv += 1 / max(math.Float64frombits(n.st.cost.Load()), n.st.failPenalty(now, b.t.failCost, b.t.failTau), minLatency)
			observed++
		}
	}
	if observed == 0 {
		for i := range tab.cum {
			tab.cum[i] = float64(i + 1)
		}
		b.table.Store(tab)
		return tab
	}
	mean := float64(observed) / inv
	// Weights, kept in cum for now; their mean sets the floor.
	var total float64
	for i, n := range nodes {
		lat := mean
		if n.st.observed.Load() {
			cost := math.Float64frombits(n.st.cost.Load())
			age := float64(max(now-n.st.stamp.Load(), 0))
			lat = mean + (cost-mean)*math.Exp(-age/b.t.tau)
		}
		lat = max(lat, n.st.pendingAge(now), n.st.failPenalty(now, b.t.failCost, b.t.failTau), minLatency)
		tab.cum[i] = 1 / lat
		total += tab.cum[i]
	}
	floor := b.floor * total / float64(len(nodes))
	total = 0
	for i := range tab.cum {
		total += max(tab.cum[i], floor)
		tab.cum[i] = total
	}
	b.table.Store(tab)
	return tab
}

// pick implements namedPicker: it picks by weight among the instances not
// in tried (or among all, when every one was tried).
func (b *LatencyWeighted) pick(tried []string) (Target, error) {
	tab, err := b.current()
	if err != nil {
		return Target{}, err
	}
	if len(tab.nodes) == 0 {
		return Target{}, ErrNoEndpoints
	}
	i, ok := drawUntried(len(tab.nodes), func(i int) string { return tab.nodes[i].instance }, tab.weightOf, tried)
	if !ok {
		i = drawCumulative(tab.cum)
	}
	return tab.nodes[i].target(), nil
}

// weightOf returns the weight of nodes[i].
func (t *latencyTable) weightOf(i int) float64 {
	if i == 0 {
		return t.cum[0]
	}
	return t.cum[i] - t.cum[i-1]
}
