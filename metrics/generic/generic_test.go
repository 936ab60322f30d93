package generic_test

import (
	"testing"

	"github.com/endpointkit/kit/metrics/generic"
	"github.com/endpointkit/kit/metrics/metricstest"
)

func TestCounter(t *testing.T) {
	c := generic.NewCounter("requests")
	metricstest.Counter(t, c, func(lvs ...string) (float64, error) {
		return c.With(lvs...).(*generic.Counter).Value(), nil
	})
}

func TestGauge(t *testing.T) {
	g := generic.NewGauge("depth")
	metricstest.Gauge(t, g, func(lvs ...string) (float64, error) {
		return g.With(lvs...).(*generic.Gauge).Value(), nil
	})
}

func TestHistogram(t *testing.T) {
	h := generic.NewHistogram("latency")
	metricstest.Histogram(t, h, func(lvs ...string) (metricstest.HistogramStats, error) {
		c := h.With(lvs...).(*generic.Histogram)
		return metricstest.HistogramStats{
			Count: c.Count(), Sum: c.Sum(), HasSum: true,
			Quantiles: map[float64]float64{0.5: c.Quantile(0.5), 0.9: c.Quantile(0.9), 0.99: c.Quantile(0.99)},
		}, nil
	}, 0.02)
}

func TestEachAndValueReset(t *testing.T) {
	c := generic.NewCounter("requests")
	c.Add(1)
	c.With("method", "sum").Add(2)
	c.With("method", "concat").Add(3)
	var got []string
	c.Each(func(ch *generic.Counter) {
		got = append(got, ch.Name+" "+join(ch.LabelValues()))
	})
	want := []string{"requests ", "requests method=sum", "requests method=concat"}
	if len(got) != len(want) {
		t.Fatalf("Each visited %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("Each visit %d = %q, want %q", i, got[i], want[i])
		}
	}
	sum := c.With("method", "sum").(*generic.Counter)
	if v := sum.ValueReset(); v != 2 {
		t.Errorf("ValueReset() = %v, want 2", v)
	}
	if v := sum.Value(); v != 0 {
		t.Errorf("Value() after ValueReset = %v, want 0", v)
	}
}

func join(lvs []string) string {
	s := ""
	for i := 0; i+1 < len(lvs); i += 2 {
		if s != "" {
			s += ","
		}
		s += lvs[i] + "=" + lvs[i+1]
	}
	return s
}

func TestUpdatesDoNotAllocate(t *testing.T) {
	c := generic.NewCounter("c")
	g := generic.NewGauge("g")
	h := generic.NewHistogram("h")
	c.With("method", "sum").Add(1)
	g.With("method", "sum").Set(1)
	h.With("method", "sum").Observe(1)
	tests := []struct {
		name string
		f    func()
	}{
		{"counter", func() { c.With("method", "sum").Add(1) }},
		{"gauge", func() { g.With("method", "sum").Set(2) }},
		{"histogram", func() { h.With("method", "sum").Observe(1.5) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if n := testing.AllocsPerRun(100, tt.f); n != 0 {
				t.Errorf("%s update on a seen label set: %v allocs, want 0", tt.name, n)
			}
		})
	}
}

func BenchmarkCounter(b *testing.B) {
	c := generic.NewCounter("c")
	b.ReportAllocs()
	for b.Loop() {
		c.With("method", "sum").Add(1)
	}
}

func BenchmarkGauge(b *testing.B) {
	g := generic.NewGauge("g")
	b.ReportAllocs()
	for b.Loop() {
		g.With("method", "sum").Set(3)
	}
}

func BenchmarkHistogram(b *testing.B) {
	h := generic.NewHistogram("h").With("method", "sum")
	b.ReportAllocs()
	for b.Loop() {
		h.Observe(0.25)
	}
}

// TestNewHistogramBuckets checks that Go kit's NewHistogram(name, buckets)
// compiles and gives the same histogram as NewHistogram(name).
func TestNewHistogramBuckets(t *testing.T) {
	a, b := generic.NewHistogram("a", 50), generic.NewHistogram("b")
	for i := 1; i <= 1000; i++ {
		a.Observe(float64(i))
		b.Observe(float64(i))
	}
	if a.Quantile(0.5) != b.Quantile(0.5) || a.Count() != 1000 {
		t.Errorf("with buckets: p50 %v over %d; without: p50 %v", a.Quantile(0.5), a.Count(), b.Quantile(0.5))
	}
}
