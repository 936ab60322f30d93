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
// goroutine, and must not block. By default
// such errors are discarded.
func ErrorHandler(f func(error)) Option {
	return func(s *settings) {
		if f != nil {
			s.errorHandler = f
		}
	}
}

func apply(options []Option) settings {
	s := settings{errorHandler: func(error) {}}
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

// A child looks up its client_golang metric on its first update rather
// than when With first sees its labels: an intermediate child
// (requests.With("method", "sum") on the way to .With("code", "200")) or an
// instrument only ever used through With must not expose a series with
// empty labels.
//
// Each child holds an atomic pointer to the series its updates go to. It
// starts at a lazy stand-in (lazyCounter, lazyGauge, lazyObserver) whose
// methods look the metric up, point the child at it and forward the
// update; from then on the pointer leads straight to client_golang's
// metric, or to dropped when the label list was refused. An update is thus
// a load and one call, with no first-time check on its path. Two goroutines
// may both look up; client_golang returns the same metric to both, and a
// refusal may be reported twice.
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

// dropped is the series of a child whose label list was refused.
type dropped struct{}

func (dropped) Inc()            {}
func (dropped) Add(float64)     {}
func (dropped) Set(float64)     {}
func (dropped) Observe(float64) {}

// resolver looks up a child's metric.
type resolver[M any] func() (M, bool)

// newFamily returns the family of children over v, whose label names are
// names; build makes a child from its label list and its series' resolver.
func newFamily[M, T any](v vec[M], names []string, s settings, build func(lvs []string, resolve resolver[M]) *T) *lv.Family[T] {
	names = append([]string(nil), names...)
	return lv.New(func(lvs []string) *T {
		return build(lvs, func() (M, bool) { return lookup(v, names, s, lvs) })
	})
}

// lookup maps the name/value pairs lvs onto v's label order and gets the
// metric; a refused list is reported and gives a dropping series.
func lookup[M any](v vec[M], names []string, s settings, lvs []string) (m M, ok bool) {
	// client_golang panics rather than return some errors (a histogram
	// vector built elsewhere with an "le" label); that too becomes a
	// dropping series, like any other refused label list.
	defer func() {
		if p := recover(); p != nil {
			s.errorHandler(fmt.Errorf("prometheus: label values %q: %v", lvs, p))
			var zero M
			m, ok = zero, false
		}
	}()
	values := make([]string, len(names))
	for i := 0; i+1 < len(lvs); i += 2 {
		j := index(names, lvs[i])
		if j < 0 {
			s.errorHandler(fmt.Errorf("%w: %q (have %q)", ErrUnknownLabel, lvs[i], names))
			return m, false
		}
		values[j] = lvs[i+1]
	}
	m, err := v.GetMetricWithLabelValues(values...)
	if err != nil {
		s.errorHandler(fmt.Errorf("prometheus: label values %q: %w", lvs, err))
		var zero M
		return zero, false
	}
	return m, true
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
	s       atomic.Pointer[counterSeries] // see counterSeries
	lvs     []string
	resolve resolver[prometheus.Counter]
	fam     *lv.Family[Counter]
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
	var fam *lv.Family[Counter]
	fam = newFamily(cv, labelNames, apply(options), func(lvs []string, resolve resolver[prometheus.Counter]) *Counter {
		c := &Counter{lvs: lvs, resolve: resolve, fam: fam}
		var s counterSeries = lazyCounter{c}
		c.s.Store(&s)
		return c
	})
	return fam.Get(nil, nil)
}

// lazyCounter is a Counter's series until its first update.
type lazyCounter struct{ c *Counter }

func (l lazyCounter) Inc()          { l.series().Inc() }
func (l lazyCounter) Add(d float64) { l.series().Add(d) }

func (l lazyCounter) series() counterSeries {
	var s counterSeries = dropped{}
	if m, ok := l.c.resolve(); ok {
		s = m
	}
	l.c.s.Store(&s)
	return s
}

// With returns the child with c's label values followed by labelValues.
func (c *Counter) With(labelValues ...string) metrics.Counter { return c.fam.Get(c.lvs, labelValues) }

// Add adds delta; NaN, ±Inf and negative deltas are dropped. Add(1) costs
// what client_golang's Inc does.
func (c *Counter) Add(delta float64) {
	if delta == 1 {
		(*c.s.Load()).Inc()
	} else if delta >= 0 && delta <= math.MaxFloat64 {
		(*c.s.Load()).Add(delta)
	}
}

// Gauge is a kit Gauge over a prometheus.GaugeVec.
type Gauge struct {
	s       atomic.Pointer[gaugeSeries] // see counterSeries
	lvs     []string
	resolve resolver[prometheus.Gauge]
	fam     *lv.Family[Gauge]
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
	var fam *lv.Family[Gauge]
	fam = newFamily(gv, labelNames, apply(options), func(lvs []string, resolve resolver[prometheus.Gauge]) *Gauge {
		g := &Gauge{lvs: lvs, resolve: resolve, fam: fam}
		var s gaugeSeries = lazyGauge{g}
		g.s.Store(&s)
		return g
	})
	return fam.Get(nil, nil)
}

// lazyGauge is a Gauge's series until its first update.
type lazyGauge struct{ g *Gauge }

func (l lazyGauge) Set(v float64) { l.series().Set(v) }
func (l lazyGauge) Add(d float64) { l.series().Add(d) }

func (l lazyGauge) series() gaugeSeries {
	var s gaugeSeries = dropped{}
	if m, ok := l.g.resolve(); ok {
		s = m
	}
	l.g.s.Store(&s)
	return s
}

// With returns the child with g's label values followed by labelValues.
func (g *Gauge) With(labelValues ...string) metrics.Gauge { return g.fam.Get(g.lvs, labelValues) }

// Set sets the value; NaN and ±Inf are dropped.
func (g *Gauge) Set(value float64) {
	if metrics.Valid(value) {
		(*g.s.Load()).Set(value)
	}
}

// Add adds delta; NaN and ±Inf are dropped.
func (g *Gauge) Add(delta float64) {
	if metrics.Valid(delta) {
		(*g.s.Load()).Add(delta)
	}
}

// Histogram is a kit Histogram over a prometheus.HistogramVec or
// prometheus.SummaryVec.
type Histogram struct {
	s       atomic.Pointer[prometheus.Observer] // see counterSeries
	lvs     []string
	resolve resolver[prometheus.Observer]
	fam     *lv.Family[Histogram]
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
	var fam *lv.Family[Histogram]
	fam = newFamily(v, labelNames, apply(options), func(lvs []string, resolve resolver[prometheus.Observer]) *Histogram {
		h := &Histogram{lvs: lvs, resolve: resolve, fam: fam}
		var s prometheus.Observer = lazyObserver{h}
		h.s.Store(&s)
		return h
	})
	return fam.Get(nil, nil)
}

// lazyObserver is a Histogram's series until its first update.
type lazyObserver struct{ h *Histogram }

func (l lazyObserver) Observe(v float64) {
	var s prometheus.Observer = dropped{}
	if m, ok := l.h.resolve(); ok {
		s = m
	}
	l.h.s.Store(&s)
	s.Observe(v)
}

// With returns the child with h's label values followed by labelValues.
func (h *Histogram) With(labelValues ...string) metrics.Histogram {
	return h.fam.Get(h.lvs, labelValues)
}

// Observe records value; NaN and ±Inf are dropped.
func (h *Histogram) Observe(value float64) {
	if metrics.Valid(value) {
		(*h.s.Load()).Observe(value)
	}
}
