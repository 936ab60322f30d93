package loadbalancer

import (
	"slices"
	"sync/atomic"

	"github.com/endpointkit/kit/endpoint"
)

// RoundRobin is a Balancer that hands out endpoints in turn. It is safe for
// concurrent use; a pick is one atomic add, with no lock and no allocation.
// When the set changes size, the rotation continues from wherever the counter
// is, modulo the new size.
type RoundRobin struct {
	s Endpointer
	// The counter sits alone on its cache line so that concurrent pickers
	// contend only on it, not on the neighbouring fields.
	_ [64]byte
	n atomic.Uint64
	_ [56]byte
}

// NewRoundRobin returns a RoundRobin balancer over s.
func NewRoundRobin(s Endpointer) *RoundRobin { return &RoundRobin{s: s} }

// Endpoint implements Balancer.
func (r *RoundRobin) Endpoint() (endpoint.Endpoint, error) {
	eps, err := r.s.Endpoints()
	if err != nil {
		return nil, err
	}
	if len(eps) == 0 {
		return nil, ErrNoEndpoints
	}
	i := r.n.Add(1) - 1
	return eps[i%uint64(len(eps))], nil
}

// pick implements namedPicker: the next instance in turn that was not tried
// yet, or the next in turn when every one was. Like Endpoint it reads
// Endpoints, and the names of a TargetEndpointer (in the same order) when s
// is one.
func (r *RoundRobin) pick(tried []string) (Target, error) {
	set, err := newSource(r.s).read()
	if err != nil {
		return Target{}, err
	}
	n := uint64(set.len())
	if n == 0 {
		return Target{}, ErrNoEndpoints
	}
	for range n {
		tg := set.target(int((r.n.Add(1) - 1) % n))
		if !slices.Contains(tried, tg.Instance) {
			return tg, nil
		}
	}
	return set.target(int((r.n.Add(1) - 1) % n)), nil
}
