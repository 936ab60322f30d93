package multi

import "github.com/endpointkit/kit/metrics"

// Counter forwards to each of its members.
type Counter []metrics.Counter

// NewCounter returns a Counter forwarding to cs.
func NewCounter(cs ...metrics.Counter) Counter { return Counter(cs) }

// With returns a Counter whose members are c's members' With(labelValues...).
func (c Counter) With(labelValues ...string) metrics.Counter {
	next := make(Counter, len(c))
	for i, m := range c {
		next[i] = m.With(labelValues...)
	}
	return next
}

// Add adds delta to every member.
func (c Counter) Add(delta float64) {
	for _, m := range c {
		m.Add(delta)
	}
}

// Gauge forwards to each of its members.
type Gauge []metrics.Gauge

// NewGauge returns a Gauge forwarding to gs.
func NewGauge(gs ...metrics.Gauge) Gauge { return Gauge(gs) }

// With returns a Gauge whose members are g's members' With(labelValues...).
func (g Gauge) With(labelValues ...string) metrics.Gauge {
	next := make(Gauge, len(g))
	for i, m := range g {
		next[i] = m.With(labelValues...)
	}
	return next
}

// Set sets every member to value.
func (g Gauge) Set(value float64) {
	for _, m := range g {
		m.Set(value)
	}
}

// Add adds delta to every member.
func (g Gauge) Add(delta float64) {
	for _, m := range g {
		m.Add(delta)
	}
}

// Histogram forwards to each of its members.
type Histogram []metrics.Histogram

// NewHistogram returns a Histogram forwarding to hs.
func NewHistogram(hs ...metrics.Histogram) Histogram { return Histogram(hs) }

// With returns a Histogram whose members are h's members' With(labelValues...).
func (h Histogram) With(labelValues ...string) metrics.Histogram {
	next := make(Histogram, len(h))
	for i, m := range h {
		next[i] = m.With(labelValues...)
	}
	return next
}

// Observe records value in every member.
func (h Histogram) Observe(value float64) {
	for _, m := range h {
		m.Observe(value)
	}
}
