package main

import (
	"math"
	"testing"
	"time"

	"github.com/endpointkit/kit/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// TestBucketsContiguous checks that every microsecond value maps into a
// bucket whose middle is within 1/32 of it, and that the buckets of
// increasing values never go backwards.
func TestBucketsContiguous(t *testing.T) {
	if b := bucketOf(uint64(maxLatency / time.Microsecond)); b >= numBuckets {
		t.Fatalf("bucketOf(maxLatency) = %d, want < numBuckets (%d)", b, numBuckets)
	}
	last := 0
	for v := uint64(0); v < 1<<22; v += 1 + v/4096 {
		b := bucketOf(v)
		if b < last {
			t.Fatalf("bucketOf(%d) = %d, below bucketOf of a smaller value (%d)", v, b, last)
		}
		last = b
		if mid := valueOf(b); v >= 32 && math.Abs(mid-float64(v))/float64(v) > 1.0/32 {
			t.Fatalf("valueOf(bucketOf(%d)) = %v, more than 1/32 away", v, mid)
		}
	}
}

func TestHistogramQuantiles(t *testing.T) {
	var h histogram
	if got := h.quantile(0.99); got != 0 {
		t.Errorf("empty quantile(0.99) = %v, want 0", got)
	}
	// 1000 samples: 1ms..1000ms.
	for i := 1; i <= 1000; i++ {
		h.record(time.Duration(i) * time.Millisecond)
	}
	for _, tc := range []struct{ q, want float64 }{{0.5, 500}, {0.99, 990}, {0.999, 999}, {1, 1000}} {
		if got := h.quantile(tc.q); math.Abs(got-tc.want)/tc.want > 1.0/32 {
			t.Errorf("quantile(%v) = %vms, want %vms within 1/32", tc.q, got, tc.want)
		}
	}
	var sum histogram
	sum.add(&h)
	sum.add(&h)
	if sum.n != 2000 || sum.quantile(0.5) != h.quantile(0.5) {
		t.Errorf("after adding h twice: n = %d, p50 = %v; want 2000, %v", sum.n, sum.quantile(0.5), h.quantile(0.5))
	}
	h.record(time.Hour) // capped, not out of range
	if got := h.quantile(1); got < float64(maxLatency/time.Millisecond)*0.96 {
		t.Errorf("quantile(1) after an hour-long sample = %vms, want about %v", got, maxLatency)
	}
}
