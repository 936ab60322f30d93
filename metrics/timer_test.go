package metrics_test

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/endpointkit/kit/metrics"
	"github.com/endpointkit/kit/metrics/generic"
)

func TestTimer(t *testing.T) {
	start := time.Unix(100, 0)
	tests := []struct {
		name    string
		unit    time.Duration
		elapsed time.Duration
		want    float64
	}{
		{"seconds by default", 0, 1500 * time.Millisecond, 1.5},
		{"milliseconds", time.Millisecond, 1500 * time.Millisecond, 1500},
		{"negative unit ignored", -time.Second, 2 * time.Second, 2},
		{"clock stepping back records zero", 0, -time.Second, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := generic.NewHistogram("latency")
			timer := metrics.NewTimerAt(h, start)
			if tt.unit != 0 {
				timer.Unit(tt.unit)
			}
			timer.ObserveDurationAt(start.Add(tt.elapsed))
			if h.Count() != 1 || h.Sum() != tt.want {
				t.Errorf("recorded count %d sum %v, want 1 observation of %v", h.Count(), h.Sum(), tt.want)
			}
		})
	}
}

func TestTime(t *testing.T) {
	h := generic.NewHistogram("latency")
	called := false
	metrics.Time(h, func() { called = true })
	if !called || h.Count() != 1 || h.Sum() < 0 {
		t.Errorf("Time: called %v, count %d, sum %v; want true, 1, ≥ 0", called, h.Count(), h.Sum())
	}
	timer := metrics.NewTimer(h)
	timer.ObserveDuration()
	if h.Count() != 2 {
		t.Errorf("after ObserveDuration count = %d, want 2", h.Count())
	}
}

func TestValid(t *testing.T) {
	for _, v := range []float64{0, -1, 1e308} {
		if !metrics.Valid(v) {
			t.Errorf("Valid(%v) = false", v)
		}
	}
	for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		if metrics.Valid(v) {
			t.Errorf("Valid(%v) = true", v)
		}
	}
}

func ExampleTimer() {
	latency := generic.NewHistogram("request_duration_seconds")
	start := time.Unix(0, 0) // in a handler: metrics.NewTimer(h), then defer t.ObserveDuration()
	t := metrics.NewTimerAt(latency.With("method", "sum"), start)
	t.ObserveDurationAt(start.Add(250 * time.Millisecond))
	fmt.Println(latency.With("method", "sum").(*generic.Histogram).Sum())
	// Output: 0.25
}

func BenchmarkTimer(b *testing.B) {
	h := generic.NewHistogram("latency")
	start := time.Unix(0, 0)
	b.ReportAllocs()
	for b.Loop() {
		t := metrics.NewTimerAt(h, start)
		t.ObserveDurationAt(start.Add(time.Millisecond))
	}
}
