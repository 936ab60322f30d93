package metricstest

import (
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/endpointkit/kit/metrics"
)

// ReadValue returns the current value of the counter or gauge child with the
// given label values (name/value pairs; none for the instrument itself), or
// an error if the backend cannot tell.
type ReadValue func(labelValues ...string) (float64, error)

// HistogramStats is what a backend can tell about a histogram child.
type HistogramStats struct {
	// Count is the number of observations.
	Count uint64
	// Sum is their sum; checked only when HasSum is true.
	Sum    float64
	HasSum bool
	// Quantiles maps a quantile (0.5 for the median) to its estimate. Each
	// one present is checked against the true quantile; nil checks none.
	Quantiles map[float64]float64
}

// ReadHistogram returns the statistics of the histogram child with the given
// label values.
type ReadHistogram func(labelValues ...string) (HistogramStats, error)

const workers, perWorker = 8, 125

func read(t *testing.T, r ReadValue, lvs ...string) float64 {
	t.Helper()
	v, err := r(lvs...)
	if err != nil {
		t.Fatalf("read(%q): %v", lvs, err)
	}
	return v
}

func hammer(f func()) {
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range perWorker {
				f()
			}
		}()
	}
	wg.Wait()
}

// Counter checks c, reading values back with r.
func Counter(t *testing.T, c metrics.Counter, r ReadValue) {
	t.Helper()
	t.Run("add", func(t *testing.T) {
		c := c.With("method", "add")
		c.Add(1)
		c.Add(2.5)
		if got := read(t, r, "method", "add"); got != 3.5 {
			t.Errorf("after Add(1), Add(2.5): value = %v, want 3.5", got)
		}
	})
	t.Run("with appends", func(t *testing.T) {
		c.With("method", "with").With("code", "200").Add(2)
		c.With("method", "with", "code", "500").Add(3)
		if got := read(t, r, "method", "with", "code", "200"); got != 2 {
			t.Errorf(`With("method","with").With("code","200").Add(2): value = %v, want 2`, got)
		}
		if got := read(t, r, "method", "with", "code", "500"); got != 3 {
			t.Errorf(`With("method","with","code","500").Add(3): value = %v, want 3`, got)
		}
	})
	t.Run("odd label list", func(t *testing.T) {
		c.With("method", "odd", "code").Add(4)
		if got := read(t, r, "method", "odd", "code", metrics.UnknownLabelValue); got != 4 {
			t.Errorf(`With("method","odd","code").Add(4): value under code=%q = %v, want 4`, metrics.UnknownLabelValue, got)
		}
	})
	t.Run("invalid deltas dropped", func(t *testing.T) {
		c := c.With("method", "invalid")
		c.Add(1)
		for _, d := range []float64{math.NaN(), math.Inf(1), math.Inf(-1), -1} {
			c.Add(d)
		}
		if got := read(t, r, "method", "invalid"); got != 1 {
			t.Errorf("after Add(1) then NaN, ±Inf, -1: value = %v, want 1", got)
		}
	})
	t.Run("concurrent", func(t *testing.T) {
		hammer(func() { c.With("method", "concurrent").Add(1) })
		if got, want := read(t, r, "method", "concurrent"), float64(workers*perWorker); got != want {
			t.Errorf("after %d concurrent Add(1): value = %v, want %v", workers*perWorker, got, want)
		}
	})
}

// Gauge checks g, reading values back with r.
func Gauge(t *testing.T, g metrics.Gauge, r ReadValue) {
	t.Helper()
	t.Run("set and add", func(t *testing.T) {
		g := g.With("method", "set")
		g.Set(3)
		if got := read(t, r, "method", "set"); got != 3 {
			t.Errorf("after Set(3): value = %v, want 3", got)
		}
		g.Add(2)
		g.Add(-1.5)
		if got := read(t, r, "method", "set"); got != 3.5 {
			t.Errorf("after Set(3), Add(2), Add(-1.5): value = %v, want 3.5", got)
		}
		g.Set(-7)
		if got := read(t, r, "method", "set"); got != -7 {
			t.Errorf("after Set(-7): value = %v, want -7", got)
		}
	})
	t.Run("with appends", func(t *testing.T) {
		g.With("method", "with").With("code", "200").Set(11)
		if got := read(t, r, "method", "with", "code", "200"); got != 11 {
			t.Errorf(`With("method","with").With("code","200").Set(11): value = %v, want 11`, got)
		}
	})
	t.Run("invalid values dropped", func(t *testing.T) {
		g := g.With("method", "invalid")
		g.Set(5)
		for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
			g.Set(v)
			g.Add(v)
		}
		if got := read(t, r, "method", "invalid"); got != 5 {
			t.Errorf("after Set(5) then Set and Add of NaN, ±Inf: value = %v, want 5", got)
		}
	})
	t.Run("concurrent", func(t *testing.T) {
		hammer(func() { g.With("method", "concurrent").Add(1) })
		if got, want := read(t, r, "method", "concurrent"), float64(workers*perWorker); got != want {
			t.Errorf("after %d concurrent Add(1): value = %v, want %v", workers*perWorker, got, want)
		}
	})
}

// Histogram checks h, reading statistics back with r. It observes the
// integers 1 to 1000 in a shuffled order, so a true quantile q is about
// 1000q; an estimate passes within tolerance*1000 of it (kit's backends pass
// with 0.02).
func Histogram(t *testing.T, h metrics.Histogram, r ReadHistogram, tolerance float64) {
	t.Helper()
	const n = 1000
	t.Run("distribution", func(t *testing.T) {
		h := h.With("method", "dist")
		for _, v := range rand.Perm(n) {
			h.Observe(float64(v + 1))
		}
		for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
			h.Observe(v)
		}
		s, err := r("method", "dist")
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		if s.Count != n {
			t.Errorf("after %d observations and NaN, ±Inf: count = %d, want %d", n, s.Count, n)
		}
		if s.HasSum && s.Sum != n*(n+1)/2 {
			t.Errorf("sum = %v, want %v", s.Sum, n*(n+1)/2)
		}
		for q, got := range s.Quantiles {
			if want := q * n; math.Abs(got-want) > tolerance*n {
				t.Errorf("quantile %v = %v, want %v ± %v", q, got, want, tolerance*n)
			}
		}
	})
	t.Run("concurrent", func(t *testing.T) {
		hammer(func() { h.With("method", "concurrent").With("code", "200").Observe(1) })
		s, err := r("method", "concurrent", "code", "200")
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		if s.Count != workers*perWorker {
			t.Errorf("after %d concurrent observations: count = %d", workers*perWorker, s.Count)
		}
	})
}
