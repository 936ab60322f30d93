package prometheus

import (
	"math"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/endpointkit/kit/metrics"
	"github.com/endpointkit/kit/metrics/internal/lv"
)

// Counter is a kit Counter over a prometheus.CounterVec.
type Counter struct {
	m   counterSeries // set once; see the comment on counterSeries
	lvs []string
	fam *lv.Family[Counter]
}

// NewCounterFrom builds a CounterVec from opts and labelNames, registers it
// with reg and returns a Counter over it.
func NewCounterFrom(reg prometheus.Registerer, opts prometheus.CounterOpts, labelNames []string, options ...Option) (*Counter, error) {
	if err := validate(prometheus.BuildFQName(opts.Namespace, opts.Subsystem, opts.Name), labelNames, ""); err != nil {
		return nil, err
	}
	cv := prometheus.NewCounterVec(opts, labelNames)
	if err := register(reg, cv, opts.Name); err != nil {
		return nil, err
	}
	return newCounter(cv, labelNames, options), nil
}

// NewCounter returns a Counter over cv, which the caller has registered;
// labelNames must be those cv was built with.
func NewCounter(cv *prometheus.CounterVec, labelNames []string, options ...Option) *Counter {
	return newCounter(cv, labelNames, options)
}

func newCounter(cv *prometheus.CounterVec, labelNames []string, options []Option) *Counter {
	s := apply(options)
	resolved := func(resolve resolver[prometheus.Counter]) counterSeries {
		return series(resolve, s, func(m prometheus.Counter) counterSeries { return m }, func(r *refused) counterSeries { return r })
	}
	var fam *lv.Family[Counter]
	fam = newFamily(cv, labelNames, func(lvs []string, complete bool, resolve resolver[prometheus.Counter]) *Counter {
		c := &Counter{lvs: lvs, fam: fam}
		if complete {
			c.m = resolved(resolve)
		} else {
			c.m = &lazyCounter{resolve: func() counterSeries { return resolved(resolve) }}
		}
		return c
	})
	return fam.Get(nil, nil)
}

// lazyCounter is the series of a Counter child missing some label names:
// it finds the metric at the first update.
type lazyCounter struct {
	m       atomic.Pointer[counterSeries]
	resolve func() counterSeries
}

func (l *lazyCounter) series() counterSeries {
	if p := l.m.Load(); p != nil {
		return *p
	}
	m := l.resolve()
	l.m.Store(&m)
	return m
}

func (l *lazyCounter) Inc()          { l.series().Inc() }
func (l *lazyCounter) Add(d float64) { l.series().Add(d) }

// With returns the child with c's label values followed by labelValues.
func (c *Counter) With(labelValues ...string) metrics.Counter { return c.fam.Get(c.lvs, labelValues) }

// Add adds delta; NaN, ±Inf and negative deltas are dropped. Add(1) costs
// what client_golang's Inc does.
func (c *Counter) Add(delta float64) {
	if delta == 1 {
		c.m.Inc()
	} else if delta >= 0 && delta <= math.MaxFloat64 {
		c.m.Add(delta)
	}
}
