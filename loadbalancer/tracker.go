package loadbalancer

import (
	"context"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/endpointkit/kit/endpoint"
)

// stats is what a load-aware balancer learns about one instance from the
// calls made through the endpoints it hands out. It is kept across discovery
// updates for as long as the instance stays (when the Endpointer names its
// instances; see TargetEndpointer).
type stats struct {
	inflight atomic.Int64
	// pending packs the calls in flight into one word, so that a reader sees
	// a consistent pair: the low 16 bits count them, the high 48 bits sum
	// their start times in milliseconds since the tracker's epoch. Their
	// mean age tells a stuck instance from a slow one before any of its
	// calls finishes. Only P2C keeps it.
	pending atomic.Uint64

	mu sync.Mutex // serialises observe, so that cost and stamp move together
	// cost is the peak-EWMA latency in nanoseconds (float64 bits) as of stamp
	// (nanoseconds since the tracker's epoch); observed says whether any call
	// has finished yet. Read atomically on the pick path, without mu.
	cost     atomic.Uint64
	stamp    atomic.Int64
	observed atomic.Bool

	// failed is the tracker clock of the latest failed call plus one (0:
	// none yet). The failure penalty fades from it; see failPenalty.
	failed atomic.Int64
}

// observe folds one round-trip time into the peak EWMA: a slower sample is
// taken at once (the peak), a faster one pulls the average down with a
// weight that grows with the time since the last sample.
//
// A lower bound (bound true) is the time of a call that ended without an
// answer: it failed, or its caller gave up on it (a hedge's losing
// attempt, a caller's deadline). The instance's latency is then known to be
// at least rtt and nothing more: it raises the estimate to rtt when the
// estimate is lower, and is dropped otherwise, so that a call cut short
// never makes an instance look faster than it was.
//
// When staleAfter > 0 and the last sample is at least that old, what was
// known is forgotten: the sample starts the estimate afresh, as an
// instance's first does.
func (s *stats) observe(now int64, rtt, tau float64, bound bool, staleAfter int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cost := math.Float64frombits(s.cost.Load())
	age := max(now-s.stamp.Load(), 0)
	switch {
	case !s.observed.Load() || (staleAfter > 0 && age >= staleAfter):
		cost = rtt
	case bound:
		if rtt <= cost*math.Exp(-float64(age)/tau) {
			return // no news: the current estimate is already at least rtt
		}
		cost = rtt
	case rtt > cost:
		cost = rtt
	default:
		w := math.Exp(-float64(age) / tau)
		cost = cost*w + rtt*(1-w)
	}
	s.cost.Store(math.Float64bits(cost))
	s.stamp.Store(now)
	s.observed.Store(true)
}

// fail records a failed call that ended at now.
func (s *stats) fail(now int64) {
	for {
		old := s.failed.Load()
		if old > now || s.failed.CompareAndSwap(old, now+1) {
			return
		}
	}
}

// failPenalty returns the failure penalty of the instance at now: penalty
// at its latest failure, fading by a factor e every tau since; 0 when it
// never failed.
func (s *stats) failPenalty(now int64, penalty, tau float64) float64 {
	f := s.failed.Load()
	if f == 0 {
		return 0
	}
	return penalty * math.Exp(-float64(max(now-(f-1), 0))/tau)
}

// stale reports whether the instance's estimate is at least staleAfter old
// at now (never when staleAfter is 0).
func (s *stats) stale(now, staleAfter int64) bool {
	return staleAfter > 0 && now-s.stamp.Load() >= staleAfter
}

// ewma returns the peak-EWMA latency decayed towards zero for the time since
// the last sample, so that an instance that was slow once is tried again
// after a while, as in Finagle.
func (s *stats) ewma(now int64, tau float64) float64 {
	cost := math.Float64frombits(s.cost.Load())
	age := float64(max(now-s.stamp.Load(), 0))
	return cost * math.Exp(-age/tau)
}

const pendingShift = 16

// finish takes a call that added p to pending off the counts in flight.
func (s *stats) finish(p uint64) {
	s.inflight.Add(-1)
	s.pending.Add(^(p - 1)) // subtracts p
}

// pendingAge returns the mean age in nanoseconds of the calls in flight at
// now, or 0 when there are none.
func (s *stats) pendingAge(now int64) float64 {
	p := s.pending.Load()
	n := p & (1<<pendingShift - 1)
	if n == 0 {
		return 0
	}
	meanStart := int64(p>>pendingShift/n) * int64(time.Millisecond)
	return float64(max(now-meanStart, 0))
}

type node struct {
	instance string // the instance's name, or its position in an unnamed set
	st       *stats
	e        endpoint.Endpoint // instrumented: counts in-flight calls, records latency
}

// target returns the node's instrumented endpoint with its instance name.
func (n *node) target() Target { return Target{Instance: n.instance, Endpoint: n.e} }

// nodeSet is an immutable view of the Endpointer's current set.
type nodeSet struct {
	from  endpointSet // the set it was built from (see sameSet)
	nodes []*node
}

// tracker turns an Endpointer into instrumented nodes. Its nodes method is
// lock-free unless the source changed since the last call.
type tracker struct {
	src     source
	epoch   time.Time // the clock reads the monotonic time since epoch
	tau     float64   // EWMA decay time in nanoseconds
	latency bool      // whether calls are timed (P2C) or only counted (LeastInFlight)
	// failCost is the failure penalty, in nanoseconds of latency, that a
	// failed call (classify says Failed) sets on its instance, fading with
	// time constant failTau, so that failing fast does not look fast.
	// staleAfter, when > 0, is the age after which an estimate is
	// forgotten (see stats.observe). Set by the constructor before any
	// call; nil classify means no call counts as failed.
	failCost   float64
	failTau    float64
	staleAfter int64
	classify   endpoint.Classifier
	// failures counts failed calls, so that LatencyWeighted can recompute
	// its weights at the first pick after one.
	failures atomic.Uint64

	set atomic.Pointer[nodeSet]
	mu  sync.Mutex // serialises rebuilds
}

func newTracker(src Endpointer, decay time.Duration, latency bool) *tracker {
	t := &tracker{src: newSource(src), epoch: time.Now(), tau: float64(decay), latency: latency}
	t.set.Store(&nodeSet{})
	return t
}

// clock returns nanoseconds since the tracker's epoch. It reads only the
// monotonic clock (time.Since), which costs about half of time.Now. There is
// no clock to inject: tests run in a testing/synctest bubble, whose fake
// clock time.Since reads too.
func (t *tracker) clock() int64 {
	return int64(time.Since(t.epoch))
}

func (t *tracker) nodes() ([]*node, error) {
	cur := t.set.Load()
	// The two branches of source.read spelled out, which saves a call on
	// every pick (see read).
	var s endpointSet
	if t.src.tsrc != nil {
		ts, err := t.src.tsrc.Targets()
		if err != nil {
			return nil, err
		}
		if sameSet(ts, cur.from.targets) {
			return cur.nodes, nil
		}
		s = endpointSet{targets: ts, named: true}
	} else {
		eps, err := t.src.src.Endpoints()
		if err != nil {
			return nil, err
		}
		if sameSet(eps, cur.from.endpoints) {
			return cur.nodes, nil
		}
		s = endpointSet{endpoints: eps}
	}
	return t.rebuild(s).nodes, nil
}

// rebuild makes a nodeSet from s, keeping the stats of instances that stay
// when s names them; an unnamed set starts afresh, as a record kept by
// position would pass to whichever instance moved into it.
func (t *tracker) rebuild(s endpointSet) *nodeSet {
	t.mu.Lock()
	defer t.mu.Unlock()
	old := t.set.Load()
	// Another picker may have rebuilt from the same source meanwhile.
	if s.same(old.from) {
		return old
	}
	byName := make(map[string]*stats, len(old.nodes))
	if s.named {
		for _, n := range old.nodes {
			byName[n.instance] = n.st
		}
	}
	ns := &nodeSet{from: s, nodes: make([]*node, 0, s.len())}
	for i := range s.len() {
		tg := s.target(i)
		st := byName[tg.Instance]
		if st == nil {
			st = new(stats)
		}
		ns.nodes = append(ns.nodes, t.instrument(tg.Instance, st, tg.Endpoint))
	}
	t.set.Store(ns)
	return ns
}

func (t *tracker) instrument(instance string, st *stats, next endpoint.Endpoint) *node {
	n := &node{instance: instance, st: st}
	if !t.latency {
		n.e = func(ctx context.Context, req any) (any, error) {
			st.inflight.Add(1)
			defer st.inflight.Add(-1)
			return next(ctx, req)
		}
		return n
	}
	n.e = func(ctx context.Context, req any) (any, error) {
		start := t.clock()
		p := uint64(start/int64(time.Millisecond))<<pendingShift | 1
		st.pending.Add(p)
		st.inflight.Add(1)
		// Deferred, so that a panicking call does not leave the instance
		// with a call in flight forever: its cost would only grow, and P2C
		// would never pick it again. A panic records no latency.
		defer st.finish(p)
		resp, err := next(ctx, req)
		end := t.clock()
		bound := false
		if err != nil {
			if t.classify != nil && t.classify(ctx, resp, err).Failed() {
				st.fail(end)
				t.failures.Add(1)
				bound = true
			} else if ctx.Err() != nil {
				bound = true // canceled: it would have taken at least this long
			}
		}
		st.observe(end, float64(end-start), t.tau, bound, t.staleAfter)
		return resp, err
	}
	return n
}
