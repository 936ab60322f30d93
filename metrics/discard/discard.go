package discard

import "github.com/endpointkit/kit/metrics"

type counter struct{}

// NewCounter returns a Counter that discards every update.
func NewCounter() metrics.Counter { return counter{} }

func (c counter) With(...string) metrics.Counter { return c }
func (counter) Add(float64)                      {}

type gauge struct{}

// NewGauge returns a Gauge that discards every update.
func NewGauge() metrics.Gauge { return gauge{} }

func (g gauge) With(...string) metrics.Gauge { return g }
func (gauge) Set(float64)                    {}
func (gauge) Add(float64)                    {}

type histogram struct{}

// NewHistogram returns a Histogram that discards every observation.
func NewHistogram() metrics.Histogram { return histogram{} }

func (h histogram) With(...string) metrics.Histogram { return h }
func (histogram) Observe(float64)                    {}
