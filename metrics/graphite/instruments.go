package graphite

import (
	"bufio"
	"math"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/endpointkit/kit/metrics"
	"github.com/endpointkit/kit/metrics/internal/lv"
	"github.com/endpointkit/kit/metrics/internal/sketch"
)

// This file holds the instruments a Graphite makes; each registers a flush
// function that writes its series' lines.

// Counter is a counter sent as a running total.
type Counter struct {
	lvs  []string
	path string
	bits atomic.Uint64
	// used is set by the first update: a child never updated itself (the
	// instrument used only through With, or an intermediate child on the
	// way to more labels) sends no series.
	used atomic.Bool
	fam  *lv.Family[Counter]
}

// NewCounter returns a counter named name.
func (g *Graphite) NewCounter(name string) (*Counter, error) {
	var fam *lv.Family[Counter]
	fam = lv.New(func(lvs []string) *Counter { return &Counter{lvs: lvs, path: g.path(name, lvs), fam: fam} })
	err := g.register(name, func(w *bufio.Writer, ts int64) {
		fam.Each(func(_ []string, c *Counter) {
			if c.used.Load() {
				line(w, c.path, math.Float64frombits(c.bits.Load()), ts)
			}
		})
	})
	if err != nil {
		return nil, err
	}
	return fam.Get(nil, nil), nil
}

// With returns the child with c's label values followed by labelValues.
func (c *Counter) With(labelValues ...string) metrics.Counter { return c.fam.Get(c.lvs, labelValues) }

// Add adds delta; NaN, ±Inf and negative deltas are dropped.
func (c *Counter) Add(delta float64) {
	if delta >= 0 && metrics.Valid(delta) {
		addFloat(&c.bits, delta)
		markUsed(&c.used)
	}
}

// markUsed sets used, reading first so that the hot path does not write
// the shared cache line again and again.
func markUsed(used *atomic.Bool) {
	if !used.Load() {
		used.Store(true)
	}
}

func addFloat(bits *atomic.Uint64, delta float64) {
	for {
		old := bits.Load()
		if bits.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+delta)) {
			return
		}
	}
}

// Gauge is a gauge sent as its current value.
type Gauge struct {
	lvs  []string
	path string
	bits atomic.Uint64
	used atomic.Bool // see Counter.used
	fam  *lv.Family[Gauge]
}

// NewGauge returns a gauge named name.
func (g *Graphite) NewGauge(name string) (*Gauge, error) {
	var fam *lv.Family[Gauge]
	fam = lv.New(func(lvs []string) *Gauge { return &Gauge{lvs: lvs, path: g.path(name, lvs), fam: fam} })
	err := g.register(name, func(w *bufio.Writer, ts int64) {
		fam.Each(func(_ []string, ga *Gauge) {
			if ga.used.Load() {
				line(w, ga.path, math.Float64frombits(ga.bits.Load()), ts)
			}
		})
	})
	if err != nil {
		return nil, err
	}
	return fam.Get(nil, nil), nil
}

// With returns the child with g's label values followed by labelValues.
func (g *Gauge) With(labelValues ...string) metrics.Gauge { return g.fam.Get(g.lvs, labelValues) }

// Set sets the value; NaN and ±Inf are dropped.
func (g *Gauge) Set(value float64) {
	if metrics.Valid(value) {
		g.bits.Store(math.Float64bits(value))
		markUsed(&g.used)
	}
}

// Add adds delta; NaN and ±Inf are dropped.
func (g *Gauge) Add(delta float64) {
	if metrics.Valid(delta) {
		addFloat(&g.bits, delta)
		markUsed(&g.used)
	}
}

// Histogram is sent as quantiles and a count of each flush window's
// observations.
type Histogram struct {
	lvs  []string
	path string
	s    sketch.Sketch
	fam  *lv.Family[Histogram]
}

// NewHistogram returns a histogram named name.
func (g *Graphite) NewHistogram(name string) (*Histogram, error) {
	suffixes := make([]string, len(g.s.Quantiles))
	for i, q := range g.s.Quantiles {
		suffixes[i] = ".p" + strings.ReplaceAll(strconv.FormatFloat(q*100, 'f', -1, 64), ".", "")
	}
	var fam *lv.Family[Histogram]
	fam = lv.New(func(lvs []string) *Histogram { return &Histogram{lvs: lvs, path: g.path(name, lvs), fam: fam} })
	err := g.register(name, func(w *bufio.Writer, ts int64) {
		fam.Each(func(_ []string, h *Histogram) {
			window := h.s.Reset()
			count, _ := window.Stats()
			if count == 0 {
				return
			}
			for i, v := range window.Quantiles(g.s.Quantiles) {
				line(w, h.path+suffixes[i], v, ts)
			}
			line(w, h.path+".count", float64(count), ts)
		})
	})
	if err != nil {
		return nil, err
	}
	return fam.Get(nil, nil), nil
}

// With returns the child with h's label values followed by labelValues.
func (h *Histogram) With(labelValues ...string) metrics.Histogram {
	return h.fam.Get(h.lvs, labelValues)
}

// Observe records value; NaN and ±Inf are dropped.
func (h *Histogram) Observe(value float64) {
	if metrics.Valid(value) {
		h.s.Observe(value)
	}
}
