package generic

import (
	"math"
	"sync/atomic"

	"github.com/endpointkit/kit/metrics"
	"github.com/endpointkit/kit/metrics/internal/lv"
	"github.com/endpointkit/kit/metrics/internal/sketch"
)

// Counter is an in-memory counter: a float64 updated atomically. Build it
// with [NewCounter].
type Counter struct {
	// Name is the name given to NewCounter.
	Name string
	lvs  []string
	bits atomic.Uint64
	fam  *lv.Family[Counter]
}

// NewCounter returns a Counter without labels.
func NewCounter(name string) *Counter {
	var fam *lv.Family[Counter]
	fam = lv.New(func(lvs []string) *Counter { return &Counter{Name: name, lvs: lvs, fam: fam} })
	return fam.Get(nil, nil)
}

// With returns the child with c's label values followed by labelValues. The
// result is a *Counter.
func (c *Counter) With(labelValues ...string) metrics.Counter { return c.fam.Get(c.lvs, labelValues) }

// Add adds delta; NaN, ±Inf and negative deltas are dropped.
func (c *Counter) Add(delta float64) {
	if delta < 0 || !metrics.Valid(delta) {
		return
	}
	addFloat(&c.bits, delta)
}

// Value returns the current total.
func (c *Counter) Value() float64 { return math.Float64frombits(c.bits.Load()) }

// ValueReset returns the current total and sets it to zero, atomically;
// emitters that send deltas use it.
func (c *Counter) ValueReset() float64 { return math.Float64frombits(c.bits.Swap(0)) }

// LabelValues returns c's label values (name/value pairs); the caller must
// not modify them.
func (c *Counter) LabelValues() []string { return c.lvs }

// Each calls fn for every child of c's family seen so far, the instrument
// without labels first.
func (c *Counter) Each(fn func(child *Counter)) {
	c.fam.Each(func(_ []string, ch *Counter) { fn(ch) })
}

// Gauge is an in-memory gauge: a float64 updated atomically. Build it with
// [NewGauge].
type Gauge struct {
	// Name is the name given to NewGauge.
	Name string
	lvs  []string
	bits atomic.Uint64
	fam  *lv.Family[Gauge]
}

// NewGauge returns a Gauge without labels.
func NewGauge(name string) *Gauge {
	var fam *lv.Family[Gauge]
	fam = lv.New(func(lvs []string) *Gauge { return &Gauge{Name: name, lvs: lvs, fam: fam} })
	return fam.Get(nil, nil)
}

// With returns the child with g's label values followed by labelValues. The
// result is a *Gauge.
func (g *Gauge) With(labelValues ...string) metrics.Gauge { return g.fam.Get(g.lvs, labelValues) }

// Set sets the value; NaN and ±Inf are dropped.
func (g *Gauge) Set(value float64) {
	if metrics.Valid(value) {
		g.bits.Store(math.Float64bits(value))
	}
}

// Add adds delta; NaN and ±Inf are dropped.
func (g *Gauge) Add(delta float64) {
	if metrics.Valid(delta) {
		addFloat(&g.bits, delta)
	}
}

// Value returns the current value.
func (g *Gauge) Value() float64 { return math.Float64frombits(g.bits.Load()) }

// LabelValues returns g's label values; the caller must not modify them.
func (g *Gauge) LabelValues() []string { return g.lvs }

// Each calls fn for every child of g's family seen so far, the instrument
// without labels first.
func (g *Gauge) Each(fn func(child *Gauge)) {
	g.fam.Each(func(_ []string, ch *Gauge) { fn(ch) })
}

func addFloat(bits *atomic.Uint64, delta float64) {
	for {
		old := bits.Load()
		if bits.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+delta)) {
			return
		}
	}
}

// Histogram is an in-memory histogram that estimates quantiles with a
// relative error of at most 1%. Build it with [NewHistogram].
type Histogram struct {
	// Name is the name given to NewHistogram.
	Name string
	lvs  []string
	s    sketch.Sketch
	fam  *lv.Family[Histogram]
}

// NewHistogram returns a Histogram without labels. buckets is accepted so
// that Go kit's NewHistogram(name, buckets) compiles unchanged, and is
// ignored: Go kit's histogram kept that many bins, while this one's
// accuracy (1% relative error) does not depend on a bin count.
func NewHistogram(name string, buckets ...int) *Histogram {
	var fam *lv.Family[Histogram]
	fam = lv.New(func(lvs []string) *Histogram { return &Histogram{Name: name, lvs: lvs, fam: fam} })
	return fam.Get(nil, nil)
}

// With returns the child with h's label values followed by labelValues. The
// result is a *Histogram.
func (h *Histogram) With(labelValues ...string) metrics.Histogram {
	return h.fam.Get(h.lvs, labelValues)
}

// Observe records value; NaN and ±Inf are dropped.
func (h *Histogram) Observe(value float64) {
	if metrics.Valid(value) {
		h.s.Observe(value)
	}
}

// Quantile returns an estimate of the q-quantile (0.5 is the median) of the
// observations, within 1% of a value observed near that rank, or NaN if
// there were none.
func (h *Histogram) Quantile(q float64) float64 { return h.s.Quantile(q) }

// Count returns the number of observations.
func (h *Histogram) Count() uint64 { c, _ := h.s.Stats(); return c }

// Sum returns the sum of the observations.
func (h *Histogram) Sum() float64 { _, s := h.s.Stats(); return s }

// LabelValues returns h's label values; the caller must not modify them.
func (h *Histogram) LabelValues() []string { return h.lvs }

// Each calls fn for every child of h's family seen so far, the instrument
// without labels first.
func (h *Histogram) Each(fn func(child *Histogram)) {
	h.fam.Each(func(_ []string, ch *Histogram) { fn(ch) })
}
