package loadbalancer

import (
	"math/rand/v2"
	"slices"
	"strconv"
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
	src    Endpointer
	tsrc   TargetEndpointer
	weight func(instance string) float64

	table atomic.Pointer[weightTable]
	mu    sync.Mutex // serialises rebuilds
}

type weightTable struct {
	firstT *Target
	firstE *endpoint.Endpoint
	n      int
	eps    []endpoint.Endpoint
	cum    []float64 // cum[i] is the total weight of eps[:i+1]
}

// NewWeighted returns a Weighted balancer over s. weight gives each
// instance's weight (from configuration, a registry's metadata...); an
// instance of weight zero or less gets no calls unless every instance has
// such a weight, in which case all are equal. When s does not name its
// instances (see TargetEndpointer), weight gets the endpoint's position as
// "0", "1", ...
func NewWeighted(s Endpointer, weight func(instance string) float64) *Weighted {
	w := &Weighted{src: s, weight: weight}
	w.tsrc, _ = s.(TargetEndpointer)
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
	x := rand.Float64() * t.cum[len(t.cum)-1]
	i, _ := slices.BinarySearch(t.cum, x)
	// BinarySearch finds the first cum >= x; an x equal to a boundary
	// belongs to the next instance, which only matters for zero weights.
	for i < len(t.cum)-1 && t.cum[i] <= x {
		i++
	}
	return t.eps[i], nil
}

func (w *Weighted) current() (*weightTable, error) {
	t := w.table.Load()
	if w.tsrc != nil {
		ts, err := w.tsrc.Targets()
		if err != nil {
			return nil, err
		}
		if len(ts) == t.n && (len(ts) == 0 || &ts[0] == t.firstT) {
			return t, nil
		}
		return w.rebuild(ts, nil), nil
	}
	eps, err := w.src.Endpoints()
	if err != nil {
		return nil, err
	}
	if len(eps) == t.n && (len(eps) == 0 || &eps[0] == t.firstE) {
		return t, nil
	}
	return w.rebuild(nil, eps), nil
}

func (w *Weighted) rebuild(ts []Target, eps []endpoint.Endpoint) *weightTable {
	w.mu.Lock()
	defer w.mu.Unlock()
	t := &weightTable{}
	var names []string
	if ts != nil {
		t.n = len(ts)
		if len(ts) > 0 {
			t.firstT = &ts[0]
		}
		for _, tg := range ts {
			t.eps = append(t.eps, tg.Endpoint)
			names = append(names, tg.Instance)
		}
	} else {
		t.n = len(eps)
		if len(eps) > 0 {
			t.firstE = &eps[0]
		}
		t.eps = eps
		for i := range eps {
			names = append(names, strconv.Itoa(i))
		}
	}
	var total float64
	t.cum = make([]float64, len(names))
	for i, name := range names {
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

// endpointAvoiding picks by weight among the endpoints not in tried (or
// among all, when every one was tried); see avoider.
func (w *Weighted) endpointAvoiding(tried []endpoint.Endpoint) (endpoint.Endpoint, error) {
	t, err := w.current()
	if err != nil {
		return nil, err
	}
	if len(t.eps) == 0 {
		return nil, ErrNoEndpoints
	}
	var idx []int
	var total float64
	for i, e := range t.eps {
		if !seen(e, tried) {
			idx = append(idx, i)
			total += t.weightOf(i)
		}
	}
	if len(idx) == 0 || total == 0 {
		return w.Endpoint()
	}
	x := rand.Float64() * total
	last := idx[0]
	for _, i := range idx {
		wi := t.weightOf(i)
		if wi <= 0 {
			continue
		}
		last = i
		if x -= wi; x < 0 {
			return t.eps[i], nil
		}
	}
	return t.eps[last], nil // rounding left x at the very end
}

// weightOf returns the weight of eps[i].
func (t *weightTable) weightOf(i int) float64 {
	if i == 0 {
		return t.cum[0]
	}
	return t.cum[i] - t.cum[i-1]
}
