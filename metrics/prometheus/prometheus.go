package prometheus

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/endpointkit/kit/metrics"
	"github.com/endpointkit/kit/metrics/internal/lv"
)

// ErrRegistration is wrapped by the error of a constructor whose collector
// the Registerer refused.
var ErrRegistration = errors.New("prometheus: registration failed")

// ErrUnknownLabel is wrapped by the error passed to the [ErrorHandler] when
// With is given a label name the instrument was not built with.
var ErrUnknownLabel = errors.New("prometheus: unknown label name")

// Option configures an instrument.
type Option func(*settings)

type settings struct {
	errorHandler func(error)
}

// ErrorHandler sets the function told about label lists whose child drops
// its updates (see the package documentation). It is called at the child's
// first update (rarely twice, if two goroutines race to it), on the updating
// goroutine, and must not block. By default an error wrapping
// [ErrUnknownLabel] (a label name the instrument was not built with: a bug
// in the program, such as a typo) panics, so that it is found in the first
// test that updates the child instead of dropping updates in silence; other
// errors (a label value client_golang refuses, which comes from data) are
// discarded. Pass a handler that logs to keep running in both cases.
func ErrorHandler(f func(error)) Option {
	return func(s *settings) {
		if f != nil {
			s.errorHandler = f
		}
	}
}

// defaultErrorHandler panics on a label name the instrument does not have,
// and discards the rest (see ErrorHandler).
func defaultErrorHandler(err error) {
	if errors.Is(err, ErrUnknownLabel) {
		panic(err)
	}
}

func apply(options []Option) settings {
	s := settings{errorHandler: defaultErrorHandler}
	for _, o := range options {
		o(&s)
	}
	return s
}

// validate checks names by Prometheus' classic rules, which every server
// version accepts. client_golang itself now also accepts any UTF-8 name, but
// a Prometheus 2 server scraping such a name fails the whole scrape, so kit
// refuses it at construction. reserved is the label name the metric type
// keeps for itself ("le" or "quantile"), if any.
func validate(fqName string, labelNames []string, reserved string) error {
	if !validName(fqName, true) {
		return fmt.Errorf("%w: invalid metric name %q", ErrRegistration, fqName)
	}
	for i, n := range labelNames {
		if !validName(n, false) || strings.HasPrefix(n, "__") || n == reserved {
			return fmt.Errorf("%w: %q: invalid label name %q", ErrRegistration, fqName, n)
		}
		if slices.Contains(labelNames[:i], n) {
			return fmt.Errorf("%w: %q: duplicate label name %q", ErrRegistration, fqName, n)
		}
	}
	return nil
}

func validName(s string, colon bool) bool {
	for i, r := range s {
		ok := r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || (i > 0 && r >= '0' && r <= '9') || (colon && r == ':')
		if !ok {
			return false
		}
	}
	return s != ""
}

func register(reg prometheus.Registerer, c prometheus.Collector, name string) error {
	if reg == nil {
		return fmt.Errorf("%w: %q: nil Registerer", ErrRegistration, name)
	}
	if err := reg.Register(c); err != nil {
		return fmt.Errorf("%w: %q: %w", ErrRegistration, name, err)
	}
	return nil
}

// vec is what kit needs of a client_golang metric vector.
type vec[M any] interface {
	GetMetricWithLabelValues(lvs ...string) (M, error)
}

// A child whose label list gives every label name finds its client_golang
// metric when With first sees the list, as client_golang's own
// WithLabelValues does, and keeps it in a field set once: an update is a
// check of the value and one call, with no load of a pointer that may
// change. A child missing some names, such as an intermediate child
// (requests.With("method", "sum") on the way to .With("code", "200")) or
// the instrument itself, must not expose a series with empty labels unless
// it is updated: its field holds a lazy stand-in (lazyCounter, lazyGauge,
// lazyObserver) that looks the metric up at the first update and forwards
// to it. A refused label list gets a refused series, which tells the
// ErrorHandler at its first update and drops everything.
//
// The hot paths are written out per type rather than shared through a
// generic helper: calls on a generic type's interface go through a
// dictionary and cost more.

// counterSeries is what a Counter's updates need of its series.
type counterSeries interface {
	Inc()
	Add(float64)
}

// gaugeSeries is what a Gauge's updates need of its series.
type gaugeSeries interface {
	Set(float64)
	Add(float64)
}

// refused is the series of a child whose label list was refused: it
// reports err at its first update and drops every update.
type refused struct {
	reported atomic.Bool
	err      error
	handler  func(error)
}

func (r *refused) report() {
	if !r.reported.Swap(true) {
		r.handler(r.err)
	}
}

func (r *refused) Inc()            { r.report() }
func (r *refused) Add(float64)     { r.report() }
func (r *refused) Set(float64)     { r.report() }
func (r *refused) Observe(float64) { r.report() }

// resolver looks up a child's metric; the error is for the ErrorHandler.
type resolver[M any] func() (M, error)

// series returns the metric resolve finds, or a refused series.
func series[M, S any](resolve resolver[M], s settings, conv func(M) S, drop func(*refused) S) S {
	m, err := resolve()
	if err != nil {
		return drop(&refused{err: err, handler: s.errorHandler})
	}
	return conv(m)
}

// newFamily returns the family of children over v, whose label names are
// names; build makes a child from its label list, whether that list gives
// every name, and its metric's resolver.
func newFamily[M, T any](v vec[M], names []string, build func(lvs []string, complete bool, resolve resolver[M]) *T) *lv.Family[T] {
	names = append([]string(nil), names...)
	return lv.New(func(lvs []string) *T {
		complete := true
		for _, n := range names {
			if !slices.Contains(pairNames(lvs), n) {
				complete = false
			}
		}
		return build(lvs, complete, func() (M, error) { return lookup(v, names, lvs) })
	})
}

// pairNames returns the names of the name/value pairs lvs.
func pairNames(lvs []string) []string {
	names := make([]string, 0, len(lvs)/2)
	for i := 0; i+1 < len(lvs); i += 2 {
		names = append(names, lvs[i])
	}
	return names
}

// lookup maps the name/value pairs lvs onto v's label order and gets the
// metric, or the error that refused the list.
func lookup[M any](v vec[M], names []string, lvs []string) (m M, err error) {
	// client_golang panics rather than return some errors (a histogram
	// vector built elsewhere with an "le" label); that too becomes a
	// refused list.
	defer func() {
		if p := recover(); p != nil {
			var zero M
			m, err = zero, fmt.Errorf("prometheus: label values %q: %v", lvs, p)
		}
	}()
	values := make([]string, len(names))
	for i := 0; i+1 < len(lvs); i += 2 {
		j := index(names, lvs[i])
		if j < 0 {
			return m, fmt.Errorf("%w: %q (have %q)", ErrUnknownLabel, lvs[i], names)
		}
		values[j] = lvs[i+1]
	}
	m, err = v.GetMetricWithLabelValues(values...)
	if err != nil {
		var zero M
		return zero, fmt.Errorf("prometheus: label values %q: %w", lvs, err)
	}
	return m, nil
}

func index(names []string, name string) int {
	for i, n := range names {
		if n == name {
			return i
		}
	}
	return -1
}

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
