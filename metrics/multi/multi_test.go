package multi_test

import (
	"fmt"
	"testing"

	"github.com/endpointkit/kit/metrics/generic"
	"github.com/endpointkit/kit/metrics/metricstest"
	"github.com/endpointkit/kit/metrics/multi"
)

// Each check runs against a multi instrument of two generic members and
// reads both back: they must agree.
func agree(a, b float64) (float64, error) {
	if a != b {
		return 0, fmt.Errorf("members disagree: %v and %v", a, b)
	}
	return a, nil
}

func TestCounter(t *testing.T) {
	a, b := generic.NewCounter("a"), generic.NewCounter("b")
	metricstest.Counter(t, multi.NewCounter(a, b), func(lvs ...string) (float64, error) {
		return agree(a.With(lvs...).(*generic.Counter).Value(), b.With(lvs...).(*generic.Counter).Value())
	})
}

func TestGauge(t *testing.T) {
	a, b := generic.NewGauge("a"), generic.NewGauge("b")
	metricstest.Gauge(t, multi.NewGauge(a, b), func(lvs ...string) (float64, error) {
		return agree(a.With(lvs...).(*generic.Gauge).Value(), b.With(lvs...).(*generic.Gauge).Value())
	})
}

func TestHistogram(t *testing.T) {
	a, b := generic.NewHistogram("a"), generic.NewHistogram("b")
	metricstest.Histogram(t, multi.NewHistogram(a, b), func(lvs ...string) (metricstest.HistogramStats, error) {
		ha, hb := a.With(lvs...).(*generic.Histogram), b.With(lvs...).(*generic.Histogram)
		if ha.Count() != hb.Count() {
			return metricstest.HistogramStats{}, fmt.Errorf("members disagree: %d and %d observations", ha.Count(), hb.Count())
		}
		return metricstest.HistogramStats{Count: ha.Count(), Sum: ha.Sum(), HasSum: true,
			Quantiles: map[float64]float64{0.5: ha.Quantile(0.5)}}, nil
	}, 0.02)
}

func ExampleNewCounter() {
	a, b := generic.NewCounter("requests"), generic.NewCounter("requests")
	requests := multi.NewCounter(a, b) // say, Prometheus and StatsD while migrating
	requests.With("method", "sum").Add(1)
	fmt.Println(a.With("method", "sum").(*generic.Counter).Value(), b.With("method", "sum").(*generic.Counter).Value())
	// Output: 1 1
}

func BenchmarkCounterBound(b *testing.B) {
	c := multi.NewCounter(generic.NewCounter("a"), generic.NewCounter("b")).With("method", "sum")
	b.ReportAllocs()
	for b.Loop() {
		c.Add(1)
	}
}
