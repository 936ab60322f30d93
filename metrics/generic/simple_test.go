package generic_test

import (
	"bytes"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/endpointkit/kit/metrics/generic"
)

func TestSimpleHistogram(t *testing.T) {
	h := generic.NewSimpleHistogram()
	if got := h.ApproximateMovingAverage(); got != 0 {
		t.Errorf("mean of nothing = %v, want 0", got)
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 250 {
				h.Observe(float64(w*250 + i + 1)) // 1..1000 in all
			}
		})
	}
	wg.Wait()
	h.Observe(math.NaN())
	if got := h.ApproximateMovingAverage(); math.Abs(got-500.5) > 1e-9 {
		t.Errorf("mean of 1..1000 = %v, want 500.5", got)
	}
	child := h.With("method", "sum").(*generic.SimpleHistogram)
	child.Observe(3)
	if child.ApproximateMovingAverage() != 3 || strings.Join(child.LabelValues(), ",") != "method,sum" {
		t.Errorf("child: mean %v, labels %v; want 3 and [method sum]", child.ApproximateMovingAverage(), child.LabelValues())
	}
	if h.With("method", "sum") != child {
		t.Error("With gave another child for the same labels")
	}
}

func TestHistogramPrint(t *testing.T) {
	h := generic.NewHistogram("latency", 50)
	for i := 1; i <= 100; i++ {
		h.Observe(float64(i))
	}
	var buf bytes.Buffer
	h.Print(&buf)
	if got := buf.String(); !strings.HasPrefix(got, "latency count=100 sum=5050 p50=") || !strings.HasSuffix(got, "\n") {
		t.Errorf("Print wrote %q", got)
	}
}
