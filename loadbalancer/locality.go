package loadbalancer

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/endpointkit/kit/endpoint"
)

// LocalitySettings configures [NewLocality].
type LocalitySettings struct {
	// Zone returns the zone (availability zone, rack, region) of an
	// instance. Required. When the Endpointer does not name its instances
	// (see TargetEndpointer), Zone gets the endpoint's position: "0", "1"...
	Zone func(instance string) string
	// Local is the caller's zone.
	Local string
	// Headroom is how many calls in flight per local instance the local
	// zone takes before any call spills over: below it every call stays
	// local. Zero means 4.
	Headroom int
}

// Locality is a Balancer that keeps calls in the caller's zone, where they
// are cheaper and faster, and spills over to other zones by measured
// headroom: once the local instances have Headroom calls in flight each on
// average, a call goes to the other zones if their instances are less busy.
// It also goes there when the local zone has no instance. Within a group it
// picks the less busy of two random instances.
//
// It is safe for concurrent use; a pick takes no lock and does not allocate.
type Locality struct {
	src      source
	s        LocalitySettings
	headroom float64

	local, remote atomic.Int64 // calls in flight in each group
	set           atomic.Pointer[localitySet]
	mu            sync.Mutex // guards rebuilds and byName
	byName        map[string]*stats
}

type localitySet struct {
	from          endpointSet // the set it was built from (see sameSet)
	local, remote []*node
}

// NewLocality returns a Locality balancer over s.
func NewLocality(s Endpointer, settings LocalitySettings) *Locality {
	if settings.Headroom <= 0 {
		settings.Headroom = 4
	}
	l := &Locality{src: newSource(s), s: settings, headroom: float64(settings.Headroom), byName: map[string]*stats{}}
	l.set.Store(&localitySet{})
	return l
}

// Endpoint implements Balancer.
func (l *Locality) Endpoint() (endpoint.Endpoint, error) {
	set, err := l.current()
	if err != nil {
		return nil, err
	}
	n := l.choose(set)
	if n == nil {
		return nil, ErrNoEndpoints
	}
	return n.e, nil
}

// choose returns the node for one call from set, or nil when it is empty:
// the less busy of two random nodes of the group the call goes to. (One
// function, with no call but pickTwo's, as the pick path had before it was
// shared with pick.)
func (l *Locality) choose(set *localitySet) *node {
	g := set.local
	switch {
	case len(set.local) == 0:
		g = set.remote
	case len(set.remote) == 0:
	default:
		// Spill over once the local instances run out of headroom, if the
		// other zones' instances are less busy.
		perLocal := float64(l.local.Load()) / float64(len(set.local))
		if perLocal >= l.headroom && float64(l.remote.Load())/float64(len(set.remote)) < perLocal {
			g = set.remote
		}
	}
	switch len(g) {
	case 0:
		return nil
	case 1:
		return g[0]
	}
	i, j := pickTwo(len(g))
	if g[j].st.inflight.Load() < g[i].st.inflight.Load() {
		i = j
	}
	return g[i]
}

func (l *Locality) current() (*localitySet, error) {
	set := l.set.Load()
	// The two branches of source.read spelled out, which saves a call on
	// every pick (see read).
	if l.src.tsrc != nil {
		ts, err := l.src.tsrc.Targets()
		if err != nil {
			return nil, err
		}
		if sameSet(ts, set.from.targets) {
			return set, nil
		}
		return l.rebuild(endpointSet{targets: ts, named: true}), nil
	}
	eps, err := l.src.src.Endpoints()
	if err != nil {
		return nil, err
	}
	if sameSet(eps, set.from.endpoints) {
		return set, nil
	}
	return l.rebuild(endpointSet{endpoints: eps}), nil
}

func (l *Locality) rebuild(s endpointSet) *localitySet {
	l.mu.Lock()
	defer l.mu.Unlock()
	set := &localitySet{from: s}
	ts := make([]Target, s.len())
	for i := range ts {
		ts[i] = s.target(i)
	}
	next := make(map[string]*stats, len(ts))
	for _, tg := range ts {
		st := l.byName[tg.Instance]
		if st == nil {
			st = new(stats)
		}
		next[tg.Instance] = st
		if l.s.Zone(tg.Instance) == l.s.Local {
			set.local = append(set.local, l.instrument(tg.Instance, st, &l.local, tg.Endpoint))
		} else {
			set.remote = append(set.remote, l.instrument(tg.Instance, st, &l.remote, tg.Endpoint))
		}
	}
	l.byName = next
	l.set.Store(set)
	return set
}

// instrument counts the calls in flight of an instance and of its group.
func (l *Locality) instrument(instance string, st *stats, group *atomic.Int64, next endpoint.Endpoint) *node {
	return &node{instance: instance, st: st, e: func(ctx context.Context, req any) (any, error) {
		st.inflight.Add(1)
		group.Add(1)
		defer func() {
			group.Add(-1)
			st.inflight.Add(-1)
		}()
		return next(ctx, req)
	}}
}

// pick implements namedPicker: it picks like Endpoint among the instances
// not yet tried, when there are any.
func (l *Locality) pick(tried []string) (Target, error) {
	set, err := l.current()
	if err != nil {
		return Target{}, err
	}
	n := l.choose(set)
	if n == nil {
		return Target{}, ErrNoEndpoints
	}
	for range 3 {
		if !slices.Contains(tried, n.instance) {
			return n.target(), nil
		}
		n = l.choose(set)
	}
	// The preferred group is exhausted: any untried instance will do.
	for _, group := range [][]*node{set.local, set.remote} {
		for _, g := range group {
			if !slices.Contains(tried, g.instance) {
				return g.target(), nil
			}
		}
	}
	return n.target(), nil
}
