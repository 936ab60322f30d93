package prometheus_test

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/endpointkit/kit/metrics/metricstest"
	kitprom "github.com/endpointkit/kit/metrics/prometheus"
)

var labelNames = []string{"method", "code"}

// find gathers reg and returns the metric of family name whose labels are
// exactly lvs (name/value pairs; names not given must be empty).
func find(reg prometheus.Gatherer, name string, lvs []string) (*dto.Metric, error) {
	fams, err := reg.Gather()
	if err != nil {
		return nil, err
	}
	want := map[string]string{}
	for i := 0; i+1 < len(lvs); i += 2 {
		want[lvs[i]] = lvs[i+1]
	}
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
	metric:
		for _, m := range f.GetMetric() {
			for _, lp := range m.GetLabel() {
				if want[lp.GetName()] != lp.GetValue() {
					continue metric
				}
			}
			return m, nil
		}
	}
	return nil, fmt.Errorf("no %s%q gathered", name, lvs)
}

// bucketQuantile interpolates the q-quantile linearly within the bucket that
// holds it, as Prometheus' histogram_quantile does.
func bucketQuantile(h *dto.Histogram, q float64) float64 {
	rank := q * float64(h.GetSampleCount())
	lower, below := 0.0, 0.0
	for _, b := range h.GetBucket() {
		if c := float64(b.GetCumulativeCount()); c >= rank {
			return lower + (b.GetUpperBound()-lower)*(rank-below)/(c-below)
		}
		lower, below = b.GetUpperBound(), float64(b.GetCumulativeCount())
	}
	return math.NaN()
}

func TestCounter(t *testing.T) {
	reg := prometheus.NewRegistry()
	c, err := kitprom.NewCounterFrom(reg, prometheus.CounterOpts{Name: "requests_total", Help: "h"}, labelNames)
	if err != nil {
		t.Fatal(err)
	}
	metricstest.Counter(t, c, func(lvs ...string) (float64, error) {
		m, err := find(reg, "requests_total", lvs)
		return m.GetCounter().GetValue(), err
	})
}

func TestGauge(t *testing.T) {
	reg := prometheus.NewRegistry()
	g, err := kitprom.NewGaugeFrom(reg, prometheus.GaugeOpts{Name: "depth", Help: "h"}, labelNames)
	if err != nil {
		t.Fatal(err)
	}
	metricstest.Gauge(t, g, func(lvs ...string) (float64, error) {
		m, err := find(reg, "depth", lvs)
		return m.GetGauge().GetValue(), err
	})
}

func TestHistogram(t *testing.T) {
	reg := prometheus.NewRegistry()
	h, err := kitprom.NewHistogramFrom(reg, prometheus.HistogramOpts{
		Name: "latency", Help: "h", Buckets: prometheus.LinearBuckets(50, 50, 20),
	}, labelNames)
	if err != nil {
		t.Fatal(err)
	}
	metricstest.Histogram(t, h, func(lvs ...string) (metricstest.HistogramStats, error) {
		m, err := find(reg, "latency", lvs)
		if err != nil {
			return metricstest.HistogramStats{}, err
		}
		hh := m.GetHistogram()
		return metricstest.HistogramStats{Count: hh.GetSampleCount(), Sum: hh.GetSampleSum(), HasSum: true,
			Quantiles: map[float64]float64{0.5: bucketQuantile(hh, 0.5), 0.9: bucketQuantile(hh, 0.9)}}, nil
	}, 0.02)
}

func TestSummary(t *testing.T) {
	reg := prometheus.NewRegistry()
	h, err := kitprom.NewSummaryFrom(reg, prometheus.SummaryOpts{
		Name: "latency", Help: "h", Objectives: map[float64]float64{0.5: 0.01, 0.9: 0.01, 0.99: 0.001},
	}, labelNames)
	if err != nil {
		t.Fatal(err)
	}
	metricstest.Histogram(t, h, func(lvs ...string) (metricstest.HistogramStats, error) {
		m, err := find(reg, "latency", lvs)
		if err != nil {
			return metricstest.HistogramStats{}, err
		}
		s := m.GetSummary()
		qs := map[float64]float64{}
		for _, q := range s.GetQuantile() {
			qs[q.GetQuantile()] = q.GetValue()
		}
		return metricstest.HistogramStats{Count: s.GetSampleCount(), Sum: s.GetSampleSum(), HasSum: true, Quantiles: qs}, nil
	}, 0.02)
}

func TestConstructionErrors(t *testing.T) {
	reg := prometheus.NewRegistry()
	if _, err := kitprom.NewCounterFrom(reg, prometheus.CounterOpts{Name: "taken_total", Help: "h"}, nil); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		new  func() error
	}{
		{"duplicate", func() error {
			_, err := kitprom.NewCounterFrom(reg, prometheus.CounterOpts{Name: "taken_total", Help: "h"}, nil)
			return err
		}},
		{"invalid metric name", func() error {
			_, err := kitprom.NewGaugeFrom(reg, prometheus.GaugeOpts{Name: "bad-name", Help: "h"}, nil)
			return err
		}},
		{"invalid label name", func() error {
			_, err := kitprom.NewHistogramFrom(reg, prometheus.HistogramOpts{Name: "h1", Help: "h"}, []string{"bad-label"})
			return err
		}},
		{"reserved label name", func() error {
			_, err := kitprom.NewHistogramFrom(reg, prometheus.HistogramOpts{Name: "h2", Help: "h"}, []string{"le"})
			return err
		}},
		{"duplicate label name", func() error {
			_, err := kitprom.NewSummaryFrom(reg, prometheus.SummaryOpts{Name: "s1", Help: "h"}, []string{"a", "a"})
			return err
		}},
		{"nil registerer", func() error {
			_, err := kitprom.NewCounterFrom(nil, prometheus.CounterOpts{Name: "c1", Help: "h"}, nil)
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.new(); !errors.Is(err, kitprom.ErrRegistration) {
				t.Errorf("err = %v, want one wrapping ErrRegistration", err)
			}
		})
	}
	var are prometheus.AlreadyRegisteredError
	_, err := kitprom.NewCounterFrom(reg, prometheus.CounterOpts{Name: "taken_total", Help: "h"}, nil)
	if !errors.As(err, &are) {
		t.Errorf("duplicate: err = %v, want it to wrap prometheus.AlreadyRegisteredError", err)
	}
}

func TestBadLabelsAtRunTime(t *testing.T) {
	reg := prometheus.NewRegistry()
	var errs []error
	c, err := kitprom.NewCounterFrom(reg, prometheus.CounterOpts{Name: "requests_total", Help: "h"}, labelNames,
		kitprom.ErrorHandler(func(err error) { errs = append(errs, err) }))
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		c.With("nope", "x").Add(1)          // unknown name: dropped, reported once
		c.With("method", "\xff\xfe").Add(1) // invalid UTF-8: dropped, reported once
	}
	c.With("method", "ok").Add(1)
	if len(errs) != 2 || !errors.Is(errs[0], kitprom.ErrUnknownLabel) {
		t.Errorf("errors reported = %v, want 2, the first wrapping ErrUnknownLabel", errs)
	}
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var series []string
	for _, f := range fams {
		for _, m := range f.GetMetric() {
			series = append(series, fmt.Sprint(m.GetLabel(), m.GetCounter().GetValue()))
		}
	}
	if len(series) != 1 {
		t.Errorf("gathered series %q, want only the one with method=ok", series)
	}
}

func TestWhenSeriesAreCreated(t *testing.T) {
	reg := prometheus.NewRegistry()
	var errs []error
	c, err := kitprom.NewCounterFrom(reg, prometheus.CounterOpts{Name: "requests_total", Help: "h"}, labelNames,
		kitprom.ErrorHandler(func(err error) { errs = append(errs, err) }))
	if err != nil {
		t.Fatal(err)
	}
	seen := func() []string {
		t.Helper()
		fams, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		var series []string
		for _, f := range fams {
			for _, m := range f.GetMetric() {
				var lvs []string
				for _, lp := range m.GetLabel() {
					lvs = append(lvs, lp.GetName()+"="+lp.GetValue())
				}
				series = append(series, strings.Join(lvs, ",")+fmt.Sprintf(" %g", m.GetCounter().GetValue()))
			}
		}
		return series
	}

	// Every label given: the series exists from With on, at 0, as with
	// client_golang's WithLabelValues.
	c.With("method", "sum", "code", "200")
	if got, want := seen(), []string{"code=200,method=sum 0"}; !slices.Equal(got, want) {
		t.Errorf("after With of a complete list: series %q, want %q", got, want)
	}
	// An intermediate child is never a series of its own.
	c.With("method", "div").With("code", "500").Add(2)
	if got, want := seen(), []string{"code=200,method=sum 0", "code=500,method=div 2"}; !slices.Equal(got, want) {
		t.Errorf("after an update through an intermediate child: series %q, want %q", got, want)
	}
	// A refused complete list is reported at its first update, once.
	bad := c.With("method", "\xff", "code", "200")
	if len(errs) != 0 {
		t.Errorf("errors reported at With: %v, want none until an update", errs)
	}
	for range 3 {
		bad.Add(1)
	}
	if len(errs) != 1 {
		t.Errorf("errors reported after 3 updates of a refused list: %v, want 1", errs)
	}
	// A child missing a label name creates its series at its first update,
	// with the missing label empty.
	c.With("method", "mul").Add(1)
	if got, want := seen(), []string{"code=,method=mul 1", "code=200,method=sum 0", "code=500,method=div 2"}; !slices.Equal(got, want) {
		t.Errorf("after an update of a child missing a name: series %q, want %q", got, want)
	}
}

func TestUpdatesDoNotAllocate(t *testing.T) {
	reg := prometheus.NewRegistry()
	c, _ := kitprom.NewCounterFrom(reg, prometheus.CounterOpts{Name: "c_total", Help: "h"}, labelNames)
	g, _ := kitprom.NewGaugeFrom(reg, prometheus.GaugeOpts{Name: "g", Help: "h"}, labelNames)
	h, _ := kitprom.NewHistogramFrom(reg, prometheus.HistogramOpts{Name: "h", Help: "h"}, labelNames)
	tests := []struct {
		name string
		f    func()
	}{
		{"counter", func() { c.With("method", "sum").Add(1) }},
		{"gauge", func() { g.With("method", "sum", "code", "200").Set(2) }},
		{"histogram", func() { h.With("method", "sum").With("code", "200").Observe(0.1) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.f()
			if n := testing.AllocsPerRun(100, tt.f); n != 0 {
				t.Errorf("update with a seen label list: %v allocs, want 0", n)
			}
		})
	}
}

func TestNewCounterOverRegisteredVec(t *testing.T) {
	reg := prometheus.NewRegistry()
	cv := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "pre_total", Help: "h"}, []string{"method"})
	reg.MustRegister(cv)
	kitprom.NewCounter(cv, []string{"method"}).With("method", "sum").Add(2)
	if got := testValue(t, cv.WithLabelValues("sum")); got != 2 {
		t.Errorf("value = %v, want 2", got)
	}
}

func testValue(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}

func BenchmarkCounter(b *testing.B) {
	reg := prometheus.NewRegistry()
	c, _ := kitprom.NewCounterFrom(reg, prometheus.CounterOpts{Name: "c_total", Help: "h"}, []string{"method"})
	b.ReportAllocs()
	for b.Loop() {
		c.With("method", "sum").Add(1)
	}
}

func BenchmarkHistogramBound(b *testing.B) {
	reg := prometheus.NewRegistry()
	h, _ := kitprom.NewHistogramFrom(reg, prometheus.HistogramOpts{Name: "h", Help: "h"}, []string{"method"})
	o := h.With("method", "sum")
	b.ReportAllocs()
	for b.Loop() {
		o.Observe(0.01)
	}
}

func TestPanickingVecBecomesError(t *testing.T) {
	// A vector built outside kit with the reserved "le" label makes
	// client_golang panic when a child is created; kit reports it instead.
	hv := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "h", Help: "h"}, []string{"le"})
	var errs []error
	h := kitprom.NewHistogram(hv, []string{"le"}, kitprom.ErrorHandler(func(err error) { errs = append(errs, err) }))
	h.With("le", "1").Observe(1)
	h.With("le", "1").Observe(2)
	if len(errs) != 1 {
		t.Errorf("errors reported = %v, want 1", errs)
	}
}
