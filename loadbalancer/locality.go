package loadbalancer

import (
	"context"
	"strconv"
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
	src      Endpointer
	tsrc     TargetEndpointer
	s        LocalitySettings
	headroom float64

	local, remote atomic.Int64 // calls in flight in each group
	set           atomic.Pointer[localitySet]
	mu            sync.Mutex // guards rebuilds and byName
	byName        map[string]*stats
}

type localitySet struct {
	firstT        *Target
	firstE        *endpoint.Endpoint
	n             int
	local, remote []*node
}

// NewLocality returns a Locality balancer over s.
func NewLocality(s Endpointer, settings LocalitySettings) *Locality {
	if settings.Headroom <= 0 {
		settings.Headroom = 4
	}
	l := &Locality{src: s, s: settings, headroom: float64(settings.Headroom), byName: map[string]*stats{}}
	l.tsrc, _ = s.(TargetEndpointer)
	l.set.Store(&localitySet{})
	return l
}

// Endpoint implements Balancer.
func (l *Locality) Endpoint() (endpoint.Endpoint, error) {
	set, err := l.current()
	if err != nil {
		return nil, err
	}
	switch {
	case len(set.local) == 0 && len(set.remote) == 0:
		return nil, ErrNoEndpoints
	case len(set.local) == 0:
		return lessBusy(set.remote), nil
	case len(set.remote) == 0:
		return lessBusy(set.local), nil
	}
	perLocal := float64(l.local.Load()) / float64(len(set.local))
	if perLocal < l.headroom {
		return lessBusy(set.local), nil
	}
	if perRemote := float64(l.remote.Load()) / float64(len(set.remote)); perRemote < perLocal {
		return lessBusy(set.remote), nil
	}
	return lessBusy(set.local), nil
}

// lessBusy returns the endpoint of the less busy of two random nodes.
func lessBusy(nodes []*node) endpoint.Endpoint {
	if len(nodes) == 1 {
		return nodes[0].e
	}
	i, j := pickTwo(len(nodes))
	if nodes[j].st.inflight.Load() < nodes[i].st.inflight.Load() {
		i = j
	}
	return nodes[i].e
}

func (l *Locality) current() (*localitySet, error) {
	set := l.set.Load()
	if l.tsrc != nil {
		ts, err := l.tsrc.Targets()
		if err != nil {
			return nil, err
		}
		if len(ts) == set.n && (len(ts) == 0 || &ts[0] == set.firstT) {
			return set, nil
		}
		return l.rebuild(ts, nil), nil
	}
	eps, err := l.src.Endpoints()
	if err != nil {
		return nil, err
	}
	if len(eps) == set.n && (len(eps) == 0 || &eps[0] == set.firstE) {
		return set, nil
	}
	return l.rebuild(nil, eps), nil
}

func (l *Locality) rebuild(ts []Target, eps []endpoint.Endpoint) *localitySet {
	l.mu.Lock()
	defer l.mu.Unlock()
	set := &localitySet{}
	if ts != nil {
		set.n = len(ts)
		if len(ts) > 0 {
			set.firstT = &ts[0]
		}
	} else {
		set.n = len(eps)
		if len(eps) > 0 {
			set.firstE = &eps[0]
		}
		ts = make([]Target, len(eps))
		for i, e := range eps {
			ts[i] = Target{Instance: strconv.Itoa(i), Endpoint: e}
		}
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

// endpointAvoiding picks like Endpoint among the instances not yet tried,
// when there are any; see avoider.
func (l *Locality) endpointAvoiding(tried []endpoint.Endpoint) (endpoint.Endpoint, error) {
	for range 3 {
		e, err := l.Endpoint()
		if err != nil || !seen(e, tried) {
			return e, err
		}
	}
	set, err := l.current()
	if err != nil {
		return nil, err
	}
	// The preferred group is exhausted: any untried instance will do.
	for _, group := range [][]*node{set.local, set.remote} {
		for _, n := range group {
			if !seen(n.e, tried) {
				return n.e, nil
			}
		}
	}
	return l.Endpoint()
}
