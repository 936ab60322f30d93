package prometheus_test

import (
	"errors"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	kitprom "github.com/endpointkit/kit/metrics/prometheus"
)

// TestUnknownLabelFailsLoudlyByDefault checks that a mistyped label name,
// a bug in the program, is not silently dropped without an ErrorHandler:
// the first update of such a child panics with an error wrapping
// ErrUnknownLabel. A label value client_golang refuses (data, not code) is
// still dropped quietly, and the panic comes once per child.
func TestUnknownLabelFailsLoudlyByDefault(t *testing.T) {
	reg := prometheus.NewRegistry()
	c, err := kitprom.NewCounterFrom(reg, prometheus.CounterOpts{Name: "requests_total", Help: "h"}, labelNames)
	if err != nil {
		t.Fatal(err)
	}
	h, err := kitprom.NewHistogramFrom(reg, prometheus.HistogramOpts{Name: "latency_seconds", Help: "h"}, labelNames)
	if err != nil {
		t.Fatal(err)
	}
	update := func(name string, f func()) (p any) {
		defer func() { p = recover() }()
		f()
		return nil
	}
	for _, tc := range []struct {
		name string
		f    func()
	}{
		{"counter", func() { c.With("methd", "sum").Add(1) }},
		{"histogram", func() { h.With("method", "sum", "cde", "200").Observe(1) }},
	} {
		p := update(tc.name, tc.f)
		err, _ := p.(error)
		if !errors.Is(err, kitprom.ErrUnknownLabel) {
			t.Errorf("%s: first update with a mistyped label name: recovered %v, want a panic with an error wrapping ErrUnknownLabel", tc.name, p)
		}
		if p := update(tc.name, tc.f); p != nil {
			t.Errorf("%s: second update of that child panicked again: %v, want once", tc.name, p)
		}
	}
	if p := update("bad value", func() { c.With("method", "\xff").Add(1) }); p != nil {
		t.Errorf("update with an invalid UTF-8 label value panicked: %v, want it dropped quietly", p)
	}
}
