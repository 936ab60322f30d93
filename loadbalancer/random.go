package loadbalancer

import (
	"math/bits"
	"math/rand/v2"
	"sync/atomic"

	"github.com/endpointkit/kit/endpoint"
)

// Random is a Balancer that picks an endpoint uniformly at random. It is
// safe for concurrent use, takes no lock and does not allocate. Built with
// a seed, it draws from a source of its own: the same seed gives the same
// sequence of picks (for calls made one after another), so tests are
// reproducible; the source is a SplitMix64 generator whose state advances
// with one atomic add, where Go kit's random balancer shared one *rand.Rand
// and raced under concurrent use. Built without, it draws from the
// runtime's per-thread source (the top-level functions of math/rand/v2).
type Random struct {
	s      Endpointer
	seeded bool
	src    splitMix // when seeded
}

// NewRandom returns a Random balancer over s. NewRandom(s, seed) is Go kit's
// form: picks come from a source of the balancer's own seeded with seed
// (pass time.Now().UnixNano() for picks that differ between processes, a
// constant in tests). NewRandom(s) draws from the runtime's source. Values
// after the first seed are ignored.
func NewRandom(s Endpointer, seed ...int64) *Random {
	r := &Random{s: s}
	if len(seed) > 0 {
		r.seeded = true
		r.src.state.Store(uint64(seed[0]))
	}
	return r
}

// Endpoint implements Balancer.
func (r *Random) Endpoint() (endpoint.Endpoint, error) {
	eps, err := r.s.Endpoints()
	if err != nil {
		return nil, err
	}
	if len(eps) == 0 {
		return nil, ErrNoEndpoints
	}
	return eps[r.intN(len(eps))], nil
}

// intN returns a uniform draw from [0, n): from the balancer's own seeded
// source when it has one, else from the runtime's.
func (r *Random) intN(n int) int {
	if !r.seeded {
		return rand.IntN(n)
	}
	// Lemire's multiply-shift maps 64 random bits onto [0, n); its bias,
	// at most n/2^64, is far below anything a balancer could notice.
	i, _ := bits.Mul64(r.src.Uint64(), uint64(n))
	return int(i)
}

// splitMix is the SplitMix64 generator with its state in an atomic, so that
// concurrent draws each get a distinct value of the sequence without a lock.
type splitMix struct {
	state atomic.Uint64
}

// Uint64 returns the next value of the sequence.
func (s *splitMix) Uint64() uint64 {
	z := s.state.Add(0x9e3779b97f4a7c15)
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}
