package otel_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/endpointkit/kit/internal/testenv"
	"github.com/endpointkit/kit/metrics/metricstest"
	kitotel "github.com/endpointkit/kit/metrics/otel"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// sdk returns a meter of a real SDK MeterProvider and its reader.
func sdk(t *testing.T) (metric.Meter, *sdkmetric.ManualReader) {
	t.Helper()
	r := sdkmetric.NewManualReader()
	p := sdkmetric.NewMeterProvider(sdkmetric.WithReader(r))
	t.Cleanup(func() { _ = p.Shutdown(context.Background()) })
	return p.Meter("kit-test"), r
}

func attrs(lvs []string) attribute.Set {
	var kvs []attribute.KeyValue
	for i := 0; i+1 < len(lvs); i += 2 {
		kvs = append(kvs, attribute.String(lvs[i], lvs[i+1]))
	}
	return attribute.NewSet(kvs...)
}

// collect returns the data of instrument name.
func collect(r *sdkmetric.ManualReader, name string) (metricdata.Aggregation, error) {
	var rm metricdata.ResourceMetrics
	if err := r.Collect(context.Background(), &rm); err != nil {
		return nil, err
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name == name {
				return m.Data, nil
			}
		}
	}
	return nil, fmt.Errorf("no instrument %q collected", name)
}

func point[N int64 | float64](dps []metricdata.DataPoint[N], lvs []string) (N, error) {
	want := attrs(lvs)
	for _, dp := range dps {
		if dp.Attributes.Equals(&want) {
			return dp.Value, nil
		}
	}
	return 0, fmt.Errorf("no data point with attributes %v", want.Encoded(attribute.DefaultEncoder()))
}

func TestCounter(t *testing.T) {
	meter, r := sdk(t)
	c, err := kitotel.NewCounter(meter, "requests")
	if err != nil {
		t.Fatal(err)
	}
	metricstest.Counter(t, c, func(lvs ...string) (float64, error) {
		data, err := collect(r, "requests")
		if err != nil {
			return 0, err
		}
		return point(data.(metricdata.Sum[float64]).DataPoints, lvs)
	})
}

func TestGauge(t *testing.T) {
	meter, r := sdk(t)
	g, err := kitotel.NewGauge(meter, "depth")
	if err != nil {
		t.Fatal(err)
	}
	metricstest.Gauge(t, g, func(lvs ...string) (float64, error) {
		data, err := collect(r, "depth")
		if err != nil {
			return 0, err
		}
		return point(data.(metricdata.Gauge[float64]).DataPoints, lvs)
	})
}

func TestHistogram(t *testing.T) {
	meter, r := sdk(t)
	h, err := kitotel.NewHistogram(meter, "latency")
	if err != nil {
		t.Fatal(err)
	}
	metricstest.Histogram(t, h, func(lvs ...string) (metricstest.HistogramStats, error) {
		data, err := collect(r, "latency")
		if err != nil {
			return metricstest.HistogramStats{}, err
		}
		want := attrs(lvs)
		for _, dp := range data.(metricdata.Histogram[float64]).DataPoints {
			if dp.Attributes.Equals(&want) {
				return metricstest.HistogramStats{Count: dp.Count, Sum: dp.Sum, HasSum: true}, nil
			}
		}
		return metricstest.HistogramStats{}, fmt.Errorf("no histogram point for %q", lvs)
	}, 0.02)
}

func TestConstructionErrors(t *testing.T) {
	meter, _ := sdk(t)
	tests := []struct {
		name string
		f    func() error
	}{
		{"invalid counter name", func() error { _, err := kitotel.NewCounter(meter, "1bad name"); return err }},
		{"invalid gauge name", func() error { _, err := kitotel.NewGauge(meter, ""); return err }},
		{"nil meter", func() error { _, err := kitotel.NewHistogram(nil, "latency"); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.f(); !errors.Is(err, kitotel.ErrInstrument) {
				t.Errorf("err = %v, want one wrapping ErrInstrument", err)
			}
		})
	}
}

func Example() {
	reader := sdkmetric.NewManualReader()
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer provider.Shutdown(context.Background())

	requests, err := kitotel.NewCounter(provider.Meter("addsvc"), "requests")
	if err != nil {
		fmt.Println(err)
		return
	}
	requests.With("method", "sum").Add(2)

	var rm metricdata.ResourceMetrics
	_ = reader.Collect(context.Background(), &rm)
	dp := rm.ScopeMetrics[0].Metrics[0].Data.(metricdata.Sum[float64]).DataPoints[0]
	v, _ := dp.Attributes.Value("method")
	fmt.Println(v.AsString(), dp.Value)
	// Output: sum 2
}

func BenchmarkCounter(b *testing.B) {
	p := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	defer p.Shutdown(context.Background())
	c, _ := kitotel.NewCounter(p.Meter("b"), "requests")
	b.ReportAllocs()
	for b.Loop() {
		c.With("method", "sum").Add(1)
	}
}
