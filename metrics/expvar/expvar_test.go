package expvar_test

import (
	"encoding/json"
	"errors"
	"expvar"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	kitexpvar "github.com/endpointkit/kit/metrics/expvar"
	"github.com/endpointkit/kit/metrics/metricstest"
)

// key mirrors the documented key format, so the tests read the map the way
// a user of /debug/vars would.
func key(name string, lvs []string) string {
	if len(lvs) == 0 {
		return name
	}
	var pairs []string
	for i := 0; i+1 < len(lvs); i += 2 {
		pairs = append(pairs, lvs[i]+"="+lvs[i+1])
	}
	return name + "{" + strings.Join(pairs, ",") + "}"
}

// readMap decodes the whole map as JSON, as a /debug/vars reader would.
func readMap(m *expvar.Map) (map[string]json.RawMessage, error) {
	var out map[string]json.RawMessage
	if err := json.Unmarshal([]byte(m.String()), &out); err != nil {
		return nil, fmt.Errorf("map is not JSON: %v", err)
	}
	return out, nil
}

func readValue(m *expvar.Map, name string) metricstest.ReadValue {
	return func(lvs ...string) (float64, error) {
		vars, err := readMap(m)
		if err != nil {
			return 0, err
		}
		raw, ok := vars[key(name, lvs)]
		if !ok {
			return 0, fmt.Errorf("no key %q", key(name, lvs))
		}
		return strconv.ParseFloat(string(raw), 64)
	}
}

func TestCounter(t *testing.T) {
	m := new(expvar.Map)
	c, err := kitexpvar.NewCounter(m, "requests")
	if err != nil {
		t.Fatal(err)
	}
	metricstest.Counter(t, c, readValue(m, "requests"))
}

func TestGauge(t *testing.T) {
	m := new(expvar.Map)
	g, err := kitexpvar.NewGauge(m, "depth")
	if err != nil {
		t.Fatal(err)
	}
	metricstest.Gauge(t, g, readValue(m, "depth"))
}

func TestHistogram(t *testing.T) {
	m := new(expvar.Map)
	h, err := kitexpvar.NewHistogram(m, "latency")
	if err != nil {
		t.Fatal(err)
	}
	metricstest.Histogram(t, h, func(lvs ...string) (metricstest.HistogramStats, error) {
		vars, err := readMap(m)
		if err != nil {
			return metricstest.HistogramStats{}, err
		}
		var v struct {
			Count              uint64
			Sum                float64
			P50, P90, P95, P99 float64
		}
		if err := json.Unmarshal(vars[key("latency", lvs)], &v); err != nil {
			return metricstest.HistogramStats{}, err
		}
		return metricstest.HistogramStats{Count: v.Count, Sum: v.Sum, HasSum: true,
			Quantiles: map[float64]float64{0.5: v.P50, 0.9: v.P90, 0.95: v.P95, 0.99: v.P99}}, nil
	}, 0.02)
}

func TestConstructionErrors(t *testing.T) {
	m := new(expvar.Map)
	if _, err := kitexpvar.NewCounter(m, "taken"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		newFunc func() error
		want    error
	}{
		{"duplicate counter", func() error { _, err := kitexpvar.NewCounter(m, "taken"); return err }, kitexpvar.ErrDuplicate},
		{"duplicate gauge", func() error { _, err := kitexpvar.NewGauge(m, "taken"); return err }, kitexpvar.ErrDuplicate},
		{"empty name", func() error { _, err := kitexpvar.NewHistogram(m, ""); return err }, kitexpvar.ErrInvalidName},
		{"brace in name", func() error { _, err := kitexpvar.NewGauge(m, "a{b}"); return err }, kitexpvar.ErrInvalidName},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.newFunc(); !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
	if _, err := kitexpvar.NewCounter(nil, "x"); err == nil {
		t.Errorf("NewCounter(nil, ...) succeeded, want an error")
	}
}

func TestOnlyUpdatedChildrenArePublished(t *testing.T) {
	m := new(expvar.Map)
	c, _ := kitexpvar.NewCounter(m, "requests")
	g, _ := kitexpvar.NewGauge(m, "depth")
	h, _ := kitexpvar.NewHistogram(m, "latency")
	c.With("method", "sum").With("code", "200").Add(1)
	g.With("method", "sum").With("code", "200").Set(2)
	h.With("method", "sum").With("code", "200").Observe(3)
	c.With("method", "never")
	vars, err := readMap(m)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range vars {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	want := []string{
		"depth", "depth{method=sum,code=200}",
		"latency", "latency{method=sum,code=200}",
		"requests", "requests{method=sum,code=200}",
	}
	if !slices.Equal(keys, want) {
		t.Errorf("published keys = %q, want %q", keys, want)
	}
}

func TestEmptyHistogramIsJSON(t *testing.T) {
	m := new(expvar.Map)
	if _, err := kitexpvar.NewHistogram(m, "empty"); err != nil {
		t.Fatal(err)
	}
	if _, err := readMap(m); err != nil {
		t.Errorf("empty histogram: %v", err)
	}
}

func Example() {
	m := new(expvar.Map) // expvar.Publish("metrics", m) would serve it on /debug/vars
	requests, err := kitexpvar.NewCounter(m, "requests")
	if err != nil {
		fmt.Println(err)
		return
	}
	requests.With("method", "sum").Add(2)
	fmt.Println(m.Get("requests{method=sum}"))
	// Output: 2
}

func BenchmarkCounter(b *testing.B) {
	c, _ := kitexpvar.NewCounter(new(expvar.Map), "c")
	b.ReportAllocs()
	for b.Loop() {
		c.With("method", "sum").Add(1)
	}
}
