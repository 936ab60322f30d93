package expvar

import (
	"errors"
	"expvar"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/endpointkit/kit/metrics"
	"github.com/endpointkit/kit/metrics/internal/lv"
	"github.com/endpointkit/kit/metrics/internal/sketch"
)

var (
	// ErrInvalidName is returned for an empty name or one containing '{'.
	ErrInvalidName = errors.New("expvar: invalid metric name")
	// ErrDuplicate is returned for a name already present in the map.
	ErrDuplicate = errors.New("expvar: duplicate metric name")
)

// family returns the children of an instrument named name, each published
// in m under key(name, lvs) by its publication: the root at once, which
// claims the name, any other at its first update. build makes a child and
// sets pub.v to its variable.
func family[T any](m *expvar.Map, name string, build func(lvs []string, pub *publication) *T) (*lv.Family[T], error) {
	switch {
	case m == nil:
		return nil, errors.New("expvar: nil map")
	case name == "" || strings.ContainsRune(name, '{'):
		return nil, fmt.Errorf("%w: %q", ErrInvalidName, name)
	case m.Get(name) != nil:
		return nil, fmt.Errorf("%w: %q", ErrDuplicate, name)
	}
	return lv.New(func(lvs []string) *T {
		pub := &publication{m: m, key: key(name, lvs)}
		child := build(lvs, pub)
		if len(lvs) == 0 {
			pub.publish()
		}
		return child
	}), nil
}

// publication puts a child's variable in the map at the child's first
// update, so that a child only passed through (requests.With("method",
// "sum") on the way to .With("code", "200")) never shows as a 0. Two
// goroutines may both set it; they set the same variable.
type publication struct {
	done atomic.Bool
	m    *expvar.Map
	key  string
	v    expvar.Var
}

func (p *publication) publish() {
	if !p.done.Load() {
		p.m.Set(p.key, p.v)
		p.done.Store(true)
	}
}

// key returns the map key of a child: name, then its labels in braces.
func key(name string, lvs []string) string {
	if len(lvs) == 0 {
		return name
	}
	var b strings.Builder
	b.WriteString(name)
	b.WriteByte('{')
	for i := 0; i+1 < len(lvs); i += 2 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(lvs[i])
		b.WriteByte('=')
		b.WriteString(lvs[i+1])
	}
	b.WriteByte('}')
	return b.String()
}

// Counter is a counter published as an [expvar.Float].
type Counter struct {
	lvs []string
	f   *expvar.Float
	pub *publication
	fam *lv.Family[Counter]
}

// NewCounter publishes a counter named name in m.
func NewCounter(m *expvar.Map, name string) (*Counter, error) {
	var fam *lv.Family[Counter]
	fam, err := family(m, name, func(lvs []string, pub *publication) *Counter {
		c := &Counter{lvs: lvs, f: new(expvar.Float), pub: pub, fam: fam}
		pub.v = c.f
		return c
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
		c.f.Add(delta)
		c.pub.publish()
	}
}

// Gauge is a gauge published as an [expvar.Float].
type Gauge struct {
	lvs []string
	f   *expvar.Float
	pub *publication
	fam *lv.Family[Gauge]
}

// NewGauge publishes a gauge named name in m.
func NewGauge(m *expvar.Map, name string) (*Gauge, error) {
	var fam *lv.Family[Gauge]
	fam, err := family(m, name, func(lvs []string, pub *publication) *Gauge {
		g := &Gauge{lvs: lvs, f: new(expvar.Float), pub: pub, fam: fam}
		pub.v = g.f
		return g
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
		g.f.Set(value)
		g.pub.publish()
	}
}

// Add adds delta; NaN and ±Inf are dropped.
func (g *Gauge) Add(delta float64) {
	if metrics.Valid(delta) {
		g.f.Add(delta)
		g.pub.publish()
	}
}

// Histogram is a histogram published as a JSON object with count, sum and
// estimated quantiles (within 1%).
type Histogram struct {
	lvs []string
	s   *sketch.Sketch
	pub *publication
	fam *lv.Family[Histogram]
}

// histogramVar renders a sketch for expvar.
type histogramVar struct{ s *sketch.Sketch }

var quantiles = []float64{0.5, 0.9, 0.95, 0.99}

func (v histogramVar) String() string {
	count, sum := v.s.Stats()
	qs := v.s.Quantiles(quantiles)
	b := []byte(`{"count":`)
	b = strconv.AppendUint(b, count, 10)
	b = append(b, `,"sum":`...)
	b = strconv.AppendFloat(b, sum, 'g', -1, 64)
	for i, name := range []string{"p50", "p90", "p95", "p99"} {
		b = append(b, `,"`+name+`":`...)
		if math.IsNaN(qs[i]) {
			b = append(b, "null"...)
		} else {
			b = strconv.AppendFloat(b, qs[i], 'g', -1, 64)
		}
	}
	return string(append(b, '}'))
}

// NewHistogram publishes a histogram named name in m.
func NewHistogram(m *expvar.Map, name string) (*Histogram, error) {
	var fam *lv.Family[Histogram]
	fam, err := family(m, name, func(lvs []string, pub *publication) *Histogram {
		h := &Histogram{lvs: lvs, s: new(sketch.Sketch), pub: pub, fam: fam}
		pub.v = histogramVar{h.s}
		return h
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
		h.pub.publish()
	}
}
