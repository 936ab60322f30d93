package metrics

// Counter describes a metric that accumulates values monotonically.
// An example of a counter is the number of received HTTP requests.
type Counter interface {
	// With returns a Counter with the given label values appended to those
	// it already has. Label values are name/value pairs.
	With(labelValues ...string) Counter
	// Add increases the counter by delta, which must not be negative.
	Add(delta float64)
}

// Gauge describes a metric that takes specific values over time.
// An example of a gauge is the current depth of a job queue.
type Gauge interface {
	// With returns a Gauge with the given label values appended to those it
	// already has. Label values are name/value pairs.
	With(labelValues ...string) Gauge
	// Set sets the gauge to value.
	Set(value float64)
	// Add adds delta, which may be negative, to the gauge.
	Add(delta float64)
}

// Histogram describes a metric that takes repeated observations of the same
// kind of thing, and produces a statistical summary of those observations,
// typically expressed as quantiles or buckets. An example of a histogram is
// HTTP request latencies.
type Histogram interface {
	// With returns a Histogram with the given label values appended to those
	// it already has. Label values are name/value pairs.
	With(labelValues ...string) Histogram
	// Observe records one observation.
	Observe(value float64)
}
