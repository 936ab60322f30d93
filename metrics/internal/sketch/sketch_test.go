package sketch_test

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/endpointkit/kit/metrics/internal/sketch"
)

func TestQuantileWithinOnePercent(t *testing.T) {
	dists := map[string]func(r *rand.Rand) float64{
		"uniform":     func(r *rand.Rand) float64 { return r.Float64() * 1000 },
		"exponential": func(r *rand.Rand) float64 { return r.ExpFloat64() * 1e-3 },
		"normal":      func(r *rand.Rand) float64 { return r.NormFloat64() * 50 },
	}
	for name, draw := range dists {
		t.Run(name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, 2))
			var s sketch.Sketch
			vs := make([]float64, 10000)
			for i := range vs {
				vs[i] = draw(r)
				s.Observe(vs[i])
			}
			sort.Float64s(vs)
			for _, q := range []float64{0, 0.5, 0.9, 0.99, 1} {
				want := vs[int(q*float64(len(vs)-1))]
				if got := s.Quantile(q); math.Abs(got-want) > 0.0101*math.Abs(want) {
					t.Errorf("Quantile(%v) = %v, want %v within 1%%", q, got, want)
				}
			}
		})
	}
}

func TestEmptyAndReset(t *testing.T) {
	var s sketch.Sketch
	if q := s.Quantile(0.5); !math.IsNaN(q) {
		t.Errorf("empty Quantile(0.5) = %v, want NaN", q)
	}
	s.Observe(0)
	s.Observe(2)
	old := s.Reset()
	if c, sum := old.Stats(); c != 2 || sum != 2 {
		t.Errorf("Reset() returned count %d sum %v, want 2 and 2", c, sum)
	}
	if c, _ := s.Stats(); c != 0 {
		t.Errorf("after Reset count = %d, want 0", c)
	}
}

func BenchmarkObserve(b *testing.B) {
	var s sketch.Sketch
	b.ReportAllocs()
	v := 0.0
	for b.Loop() {
		v++
		s.Observe(float64(int(v) % 1000))
	}
}
