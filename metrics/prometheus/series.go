package prometheus

import (
	"fmt"
	"slices"
	"sync/atomic"

	"github.com/endpointkit/kit/metrics/internal/lv"
)

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
