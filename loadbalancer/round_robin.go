package loadbalancer

import (
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
