package prometheus

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/endpointkit/kit/metrics"
	"github.com/endpointkit/kit/metrics/internal/lv"
)

// Histogram is a kit Histogram over a prometheus.HistogramVec or
// prometheus.SummaryVec.
type Histogram struct {
	m   prometheus.Observer // set once; see the comment on counterSeries
	lvs []string
	fam *lv.Family[Histogram]
}

// NewHistogramFrom builds a HistogramVec from opts and labelNames, registers
// it with reg and returns a Histogram over it.
func NewHistogramFrom(reg prometheus.Registerer, opts prometheus.HistogramOpts, labelNames []string, options ...Option) (*Histogram, error) {
	if err := validate(prometheus.BuildFQName(opts.Namespace, opts.Subsystem, opts.Name), labelNames, "le"); err != nil {
		return nil, err
	}
	hv := prometheus.NewHistogramVec(opts, labelNames)
	if err := register(reg, hv, opts.Name); err != nil {
		return nil, err
	}
	return newHistogram(hv, labelNames, options), nil
}

// NewHistogram returns a Histogram over hv, which the caller has registered;
// labelNames must be those hv was built with.
func NewHistogram(hv *prometheus.HistogramVec, labelNames []string, options ...Option) *Histogram {
	return newHistogram(hv, labelNames, options)
}

// NewSummaryFrom builds a SummaryVec from opts and labelNames, registers it
// with reg and returns a Histogram over it.
func NewSummaryFrom(reg prometheus.Registerer, opts prometheus.SummaryOpts, labelNames []string, options ...Option) (*Histogram, error) {
	if err := validate(prometheus.BuildFQName(opts.Namespace, opts.Subsystem, opts.Name), labelNames, "quantile"); err != nil {
		return nil, err
	}
	sv := prometheus.NewSummaryVec(opts, labelNames)
	if err := register(reg, sv, opts.Name); err != nil {
		return nil, err
	}
	return newHistogram(sv, labelNames, options), nil
}

// NewSummary returns a Histogram over sv, which the caller has registered;
// labelNames must be those sv was built with.
func NewSummary(sv *prometheus.SummaryVec, labelNames []string, options ...Option) *Histogram {
	return newHistogram(sv, labelNames, options)
}

func newHistogram(v vec[prometheus.Observer], labelNames []string, options []Option) *Histogram {
	s := apply(options)
	resolved := func(resolve resolver[prometheus.Observer]) prometheus.Observer {
		return series(resolve, s, func(m prometheus.Observer) prometheus.Observer { return m }, func(r *refused) prometheus.Observer { return r })
	}
	var fam *lv.Family[Histogram]
	fam = newFamily(v, labelNames, func(lvs []string, complete bool, resolve resolver[prometheus.Observer]) *Histogram {
		h := &Histogram{lvs: lvs, fam: fam}
		if complete {
			h.m = resolved(resolve)
		} else {
			h.m = &lazyObserver{resolve: func() prometheus.Observer { return resolved(resolve) }}
		}
		return h
	})
	return fam.Get(nil, nil)
}

// lazyObserver is the series of a Histogram child missing some label
// names: it finds the metric at the first update.
type lazyObserver struct {
	m       atomic.Pointer[prometheus.Observer]
	resolve func() prometheus.Observer
}

func (l *lazyObserver) Observe(v float64) {
	p := l.m.Load()
	if p == nil {
		m := l.resolve()
		l.m.Store(&m)
		p = &m
	}
	(*p).Observe(v)
}

// With returns the child with h's label values followed by labelValues.
func (h *Histogram) With(labelValues ...string) metrics.Histogram {
	return h.fam.Get(h.lvs, labelValues)
}

// Observe records value; NaN and ±Inf are dropped.
func (h *Histogram) Observe(value float64) {
	if metrics.Valid(value) {
		h.m.Observe(value)
	}
}
