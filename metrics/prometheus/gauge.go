package prometheus

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/endpointkit/kit/metrics"
	"github.com/endpointkit/kit/metrics/internal/lv"
)

// Gauge is a kit Gauge over a prometheus.GaugeVec.
type Gauge struct {
	m   gaugeSeries // set once; see the comment on counterSeries
	lvs []string
	fam *lv.Family[Gauge]
}

// NewGaugeFrom builds a GaugeVec from opts and labelNames, registers it with
// reg and returns a Gauge over it.
func NewGaugeFrom(reg prometheus.Registerer, opts prometheus.GaugeOpts, labelNames []string, options ...Option) (*Gauge, error) {
	if err := validate(prometheus.BuildFQName(opts.Namespace, opts.Subsystem, opts.Name), labelNames, ""); err != nil {
		return nil, err
	}
	gv := prometheus.NewGaugeVec(opts, labelNames)
	if err := register(reg, gv, opts.Name); err != nil {
		return nil, err
	}
	return newGauge(gv, labelNames, options), nil
}

// NewGauge returns a Gauge over gv, which the caller has registered;
// labelNames must be those gv was built with.
func NewGauge(gv *prometheus.GaugeVec, labelNames []string, options ...Option) *Gauge {
	return newGauge(gv, labelNames, options)
}

func newGauge(gv *prometheus.GaugeVec, labelNames []string, options []Option) *Gauge {
	s := apply(options)
	resolved := func(resolve resolver[prometheus.Gauge]) gaugeSeries {
		return series(resolve, s, func(m prometheus.Gauge) gaugeSeries { return m }, func(r *refused) gaugeSeries { return r })
	}
	var fam *lv.Family[Gauge]
	fam = newFamily(gv, labelNames, func(lvs []string, complete bool, resolve resolver[prometheus.Gauge]) *Gauge {
		g := &Gauge{lvs: lvs, fam: fam}
		if complete {
			g.m = resolved(resolve)
		} else {
			g.m = &lazyGauge{resolve: func() gaugeSeries { return resolved(resolve) }}
		}
		return g
	})
	return fam.Get(nil, nil)
}

// lazyGauge is the series of a Gauge child missing some label names: it
// finds the metric at the first update.
type lazyGauge struct {
	m       atomic.Pointer[gaugeSeries]
	resolve func() gaugeSeries
}

func (l *lazyGauge) series() gaugeSeries {
	if p := l.m.Load(); p != nil {
		return *p
	}
	m := l.resolve()
	l.m.Store(&m)
	return m
}

func (l *lazyGauge) Set(v float64) { l.series().Set(v) }
func (l *lazyGauge) Add(d float64) { l.series().Add(d) }

// With returns the child with g's label values followed by labelValues.
func (g *Gauge) With(labelValues ...string) metrics.Gauge { return g.fam.Get(g.lvs, labelValues) }

// Set sets the value; NaN and ±Inf are dropped.
func (g *Gauge) Set(value float64) {
	if metrics.Valid(value) {
		g.m.Set(value)
	}
}

// Add adds delta; NaN and ±Inf are dropped.
func (g *Gauge) Add(delta float64) {
	if metrics.Valid(delta) {
		g.m.Add(delta)
	}
}
