package otel

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/endpointkit/kit/metrics"
	"github.com/endpointkit/kit/metrics/internal/lv"
)

// ErrInstrument is wrapped by the error of a constructor whose instrument
// the Meter refused (an invalid name, for the SDK).
var ErrInstrument = errors.New("otel: cannot create instrument")

func attributes(lvs []string) attribute.Set {
	kvs := make([]attribute.KeyValue, 0, len(lvs)/2)
	for i := 0; i+1 < len(lvs); i += 2 {
		kvs = append(kvs, attribute.String(lvs[i], lvs[i+1]))
	}
	return attribute.NewSet(kvs...)
}

func check(meter metric.Meter, name string) error {
	if meter == nil {
		return fmt.Errorf("%w %q: nil Meter", ErrInstrument, name)
	}
	return nil
}

// Counter is a kit Counter over a metric.Float64Counter.
type Counter struct {
	lvs  []string
	inst metric.Float64Counter
	opts []metric.AddOption // the child's attributes, built once
	fam  *lv.Family[Counter]
}

// NewCounter creates a Float64Counter named name in meter.
func NewCounter(meter metric.Meter, name string, options ...metric.Float64CounterOption) (*Counter, error) {
	if err := check(meter, name); err != nil {
		return nil, err
	}
	inst, err := meter.Float64Counter(name, options...)
	if err != nil {
		return nil, fmt.Errorf("%w %q: %w", ErrInstrument, name, err)
	}
	var fam *lv.Family[Counter]
	fam = lv.New(func(lvs []string) *Counter {
		return &Counter{lvs: lvs, inst: inst, opts: []metric.AddOption{metric.WithAttributeSet(attributes(lvs))}, fam: fam}
	})
	return fam.Get(nil, nil), nil
}

// With returns the child with c's label values followed by labelValues.
func (c *Counter) With(labelValues ...string) metrics.Counter { return c.fam.Get(c.lvs, labelValues) }

// Add adds delta; NaN, ±Inf and negative deltas are dropped.
func (c *Counter) Add(delta float64) {
	if delta >= 0 && delta <= math.MaxFloat64 {
		c.inst.Add(context.Background(), delta, c.opts...)
	}
}

// Gauge is a kit Gauge over a metric.Float64Gauge.
type Gauge struct {
	lvs  []string
	inst metric.Float64Gauge
	opts []metric.RecordOption
	mu   sync.Mutex // guards v, and orders records so the last one is the current value
	v    float64
	fam  *lv.Family[Gauge]
}

// NewGauge creates a Float64Gauge named name in meter.
func NewGauge(meter metric.Meter, name string, options ...metric.Float64GaugeOption) (*Gauge, error) {
	if err := check(meter, name); err != nil {
		return nil, err
	}
	inst, err := meter.Float64Gauge(name, options...)
	if err != nil {
		return nil, fmt.Errorf("%w %q: %w", ErrInstrument, name, err)
	}
	var fam *lv.Family[Gauge]
	fam = lv.New(func(lvs []string) *Gauge {
		return &Gauge{lvs: lvs, inst: inst, opts: []metric.RecordOption{metric.WithAttributeSet(attributes(lvs))}, fam: fam}
	})
	return fam.Get(nil, nil), nil
}

// With returns the child with g's label values followed by labelValues.
func (g *Gauge) With(labelValues ...string) metrics.Gauge { return g.fam.Get(g.lvs, labelValues) }

// Set sets the value; NaN and ±Inf are dropped.
func (g *Gauge) Set(value float64) {
	if !metrics.Valid(value) {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.v = value
	g.inst.Record(context.Background(), value, g.opts...)
}

// Add adds delta to the value; NaN and ±Inf are dropped.
func (g *Gauge) Add(delta float64) {
	if !metrics.Valid(delta) {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.v += delta
	g.inst.Record(context.Background(), g.v, g.opts...)
}

// Histogram is a kit Histogram over a metric.Float64Histogram.
type Histogram struct {
	lvs  []string
	inst metric.Float64Histogram
	opts []metric.RecordOption
	fam  *lv.Family[Histogram]
}

// NewHistogram creates a Float64Histogram named name in meter. Bucket
// boundaries come from options (metric.WithExplicitBucketBoundaries) or the
// SDK's views.
func NewHistogram(meter metric.Meter, name string, options ...metric.Float64HistogramOption) (*Histogram, error) {
	if err := check(meter, name); err != nil {
		return nil, err
	}
	inst, err := meter.Float64Histogram(name, options...)
	if err != nil {
		return nil, fmt.Errorf("%w %q: %w", ErrInstrument, name, err)
	}
	var fam *lv.Family[Histogram]
	fam = lv.New(func(lvs []string) *Histogram {
		return &Histogram{lvs: lvs, inst: inst, opts: []metric.RecordOption{metric.WithAttributeSet(attributes(lvs))}, fam: fam}
	})
	return fam.Get(nil, nil), nil
}

// With returns the child with h's label values followed by labelValues.
func (h *Histogram) With(labelValues ...string) metrics.Histogram {
	return h.fam.Get(h.lvs, labelValues)
}

// Observe records value; NaN and ±Inf are dropped.
func (h *Histogram) Observe(value float64) {
	if metrics.Valid(value) {
		h.inst.Record(context.Background(), value, h.opts...)
	}
}
