package discard_test

import (
	"testing"

	"github.com/endpointkit/kit/metrics/discard"
)

func TestDiscardIsFreeAndInert(t *testing.T) {
	c, g, h := discard.NewCounter(), discard.NewGauge(), discard.NewHistogram()
	f := func() {
		c.With("method", "sum").Add(1)
		g.With("method", "sum").Set(1)
		g.Add(-1)
		h.With("method").Observe(0.5)
	}
	if n := testing.AllocsPerRun(100, f); n != 0 {
		t.Errorf("discard updates: %v allocs, want 0", n)
	}
}
