package sketch

import (
	"math"
	"sync"
)

const alpha = 0.01

var logGamma = math.Log((1 + alpha) / (1 - alpha))

// Sketch is safe for concurrent use. Its zero value is an empty sketch.
type Sketch struct {
	mu       sync.Mutex // guards all below
	pos, neg buckets
	zero     uint64
	count    uint64
	sum      float64
	min, max float64
}

func index(v float64) int32 { return int32(math.Ceil(math.Log(v) / logGamma)) }

func value(i int32) float64 {
	g := math.Exp(logGamma)
	return 2 * math.Exp(float64(i)*logGamma) / (g + 1)
}

// Observe adds v. The caller drops NaN and ±Inf before.
func (s *Sketch) Observe(v float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case v > 0:
		s.pos.add(index(v))
	case v < 0:
		s.neg.add(index(-v))
	default:
		s.zero++
	}
	if s.count == 0 || v < s.min {
		s.min = v
	}
	if s.count == 0 || v > s.max {
		s.max = v
	}
	s.count++
	s.sum += v
}

// Stats returns the number and sum of observations.
func (s *Sketch) Stats() (count uint64, sum float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.count, s.sum
}

// Quantile returns an estimate of the q-quantile (0 ≤ q ≤ 1) of what was
// observed, or NaN when nothing was.
func (s *Sketch) Quantile(q float64) float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.quantile(q)
}

// Quantiles returns estimates for each of qs under one lock.
func (s *Sketch) Quantiles(qs []float64) []float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]float64, len(qs))
	for i, q := range qs {
		out[i] = s.quantile(q)
	}
	return out
}

// quantile expects s.mu held.
func (s *Sketch) quantile(q float64) float64 {
	if s.count == 0 || math.IsNaN(q) {
		return math.NaN()
	}
	q = min(max(q, 0), 1)
	rank := uint64(q * float64(s.count-1))
	var seen uint64
	// Negative values, most negative (largest index) first.
	for j := len(s.neg.counts) - 1; j >= 0; j-- {
		if seen += s.neg.counts[j]; seen > rank {
			return s.clamp(-value(s.neg.offset + int32(j)))
		}
	}
	if seen += s.zero; seen > rank {
		return 0
	}
	for j, c := range s.pos.counts {
		if seen += c; seen > rank {
			return s.clamp(value(s.pos.offset + int32(j)))
		}
	}
	return s.max
}

func (s *Sketch) clamp(v float64) float64 { return min(max(v, s.min), s.max) }

// buckets is a dense run of counts; counts[j] belongs to bucket offset+j.
// It grows (allocating) only when a value lands outside the run.
type buckets struct {
	offset int32
	counts []uint64
}

func (b *buckets) add(i int32) {
	switch {
	case b.counts == nil:
		b.offset, b.counts = i, make([]uint64, 1, 16)
	case i < b.offset:
		grown := make([]uint64, int(b.offset-i)+len(b.counts), int(b.offset-i)+cap(b.counts))
		copy(grown[b.offset-i:], b.counts)
		b.offset, b.counts = i, grown
	case int(i-b.offset) >= len(b.counts):
		b.counts = append(b.counts, make([]uint64, int(i-b.offset)-len(b.counts)+1)...)
	}
	b.counts[i-b.offset]++
}

// Reset empties s and returns what it held, as a new Sketch.
func (s *Sketch) Reset() *Sketch {
	s.mu.Lock()
	defer s.mu.Unlock()
	old := &Sketch{pos: s.pos, neg: s.neg, zero: s.zero, count: s.count, sum: s.sum, min: s.min, max: s.max}
	s.pos, s.neg, s.zero, s.count, s.sum, s.min, s.max = buckets{}, buckets{}, 0, 0, 0, 0, 0
	return old
}
