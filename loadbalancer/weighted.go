package loadbalancer

import (
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/endpointkit/kit/endpoint"
)

// Weighted is a Balancer that picks endpoints at random in proportion to
// configured weights: an instance of weight 2 gets twice the calls of one of
// weight 1. Use it for heterogeneous capacity known in advance (bigger
// machines, a canary taking 5%); for weights that follow measured response
// times use [NewLatencyWeighted] (or [NewP2C], which sends each call to the
// better of two).
//
// It is safe for concurrent use. A pick takes no lock and does not allocate:
// it draws from a table of cumulative weights rebuilt only when the set of
// endpoints changes.
type Weighted struct {
	src    source
	weight func(instance string) float64

	table atomic.Pointer[weightTable]
	mu    sync.Mutex // serialises rebuilds
}

type weightTable struct {
	from  endpointSet // the set it was built from (see sameSet)
	eps   []endpoint.Endpoint
	names []string  // names[i] is eps[i]'s instance, or its position
	cum   []float64 // cum[i] is the total weight of eps[:i+1]
}

// NewWeighted returns a Weighted balancer over s. weight gives each
// instance's weight (from configuration, a registry's metadata...); an
// instance of weight zero or less gets no calls unless every instance has
// such a weight, in which case all are equal. When s does not name its
// instances (see TargetEndpointer), weight gets the endpoint's position as
// "0", "1", ...
func NewWeighted(s Endpointer, weight func(instance string) float64) *Weighted {
	w := &Weighted{src: newSource(s), weight: weight}
	w.table.Store(&weightTable{})
	return w
}

// Endpoint implements Balancer.
func (w *Weighted) Endpoint() (endpoint.Endpoint, error) {
	t, err := w.current()
	if err != nil {
		return nil, err
	}
	if len(t.eps) == 0 {
		return nil, ErrNoEndpoints
	}
	// drawCumulative's body, inline: the call cost a pick 15 instructions
	// (6%).
	x := rand.Float64() * t.cum[len(t.cum)-1]
	i, _ := slices.BinarySearch(t.cum, x)
	for i < len(t.cum)-1 && t.cum[i] <= x {
		i++
	}
	return t.eps[i], nil
}

// drawCumulative draws an index at random in proportion to the weights
// whose running totals are cum (not empty).
func drawCumulative(cum []float64) int {
	x := rand.Float64() * cum[len(cum)-1]
	i, _ := slices.BinarySearch(cum, x)
	// BinarySearch finds the first cum >= x; an x equal to a boundary
	// belongs to the next instance, which only matters for zero weights.
	for i < len(cum)-1 && cum[i] <= x {
		i++
	}
	return i
}

func (w *Weighted) current() (*weightTable, error) {
	t := w.table.Load()
	// The two branches of source.read spelled out, which saves a call on
	// every pick (see read).
	if w.src.tsrc != nil {
		ts, err := w.src.tsrc.Targets()
		if err != nil {
			return nil, err
		}
		if sameSet(ts, t.from.targets) {
			return t, nil
		}
		return w.rebuild(endpointSet{targets: ts, named: true}), nil
	}
	eps, err := w.src.src.Endpoints()
	if err != nil {
		return nil, err
	}
	if sameSet(eps, t.from.endpoints) {
		return t, nil
	}
	return w.rebuild(endpointSet{endpoints: eps}), nil
}

func (w *Weighted) rebuild(s endpointSet) *weightTable {
	w.mu.Lock()
	defer w.mu.Unlock()
	t := &weightTable{from: s, eps: s.endpoints}
	if s.named {
		t.eps = make([]endpoint.Endpoint, len(s.targets))
	}
	t.names = make([]string, s.len())
	for i := range s.len() {
		tg := s.target(i)
		t.names[i] = tg.Instance
		if s.named {
			t.eps[i] = tg.Endpoint
		}
	}
	var total float64
	t.cum = make([]float64, len(t.names))
	for i, name := range t.names {
		total += max(w.weight(name), 0)
		t.cum[i] = total
	}
	if total == 0 {
		for i := range t.cum {
			t.cum[i] = float64(i + 1)
		}
	}
	w.table.Store(t)
	return t
}

// pick implements namedPicker: it picks by weight among the instances not
// in tried (or among all, when every one was tried).
func (w *Weighted) pick(tried []string) (Target, error) {
	t, err := w.current()
	if err != nil {
		return Target{}, err
	}
	if len(t.eps) == 0 {
		return Target{}, ErrNoEndpoints
	}
	i, ok := drawUntried(len(t.names), func(i int) string { return t.names[i] }, t.weightOf, tried)
	if !ok {
		i = drawCumulative(t.cum)
	}
	return Target{Instance: t.names[i], Endpoint: t.eps[i]}, nil
}

// drawUntried draws an index in [0, n) in proportion to weightOf among
// those whose name is not in tried; ok is false when nothing was tried or
// no untried instance has a positive weight, and the caller then draws
// among all. It allocates, which is fine on the retry path.
func drawUntried(n int, name func(int) string, weightOf func(int) float64, tried []string) (_ int, ok bool) {
	if len(tried) == 0 {
		return 0, false
	}
	var idx []int
	var total float64
	for i := range n {
		if !slices.Contains(tried, name(i)) {
			if wi := weightOf(i); wi > 0 {
				idx = append(idx, i)
				total += wi
			}
		}
	}
	if len(idx) == 0 {
		return 0, false
	}
	x := rand.Float64() * total
	for _, i := range idx {
		if x -= weightOf(i); x < 0 {
			return i, true
		}
	}
	return idx[len(idx)-1], true // rounding left x at the very end
}

// weightOf returns the weight of eps[i].
func (t *weightTable) weightOf(i int) float64 {
	if i == 0 {
		return t.cum[0]
	}
	return t.cum[i] - t.cum[i-1]
}
