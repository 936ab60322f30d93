package loadbalancer

import (
	"math/rand/v2"

	"github.com/endpointkit/kit/endpoint"
)

// Random is a Balancer that picks an endpoint uniformly at random. It is safe
// for concurrent use, takes no lock and does not allocate: it draws from the
// runtime's per-thread random source (the top-level functions of
// math/rand/v2), where Go kit's random balancer shared one *rand.Rand and
// raced under concurrent use.
type Random struct {
	s Endpointer
}

// NewRandom returns a Random balancer over s.
func NewRandom(s Endpointer) *Random { return &Random{s: s} }

// Endpoint implements Balancer.
func (r *Random) Endpoint() (endpoint.Endpoint, error) {
	eps, err := r.s.Endpoints()
	if err != nil {
		return nil, err
	}
	if len(eps) == 0 {
		return nil, ErrNoEndpoints
	}
	return eps[rand.IntN(len(eps))], nil
}
