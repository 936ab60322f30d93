package generic

import (
	"fmt"
	"io"
	"sync"

	"github.com/endpointkit/kit/metrics"
	"github.com/endpointkit/kit/metrics/internal/lv"
)

// Print writes a summary of h for a terminal: its count, sum and estimated
// quantiles (p50, p90, p95, p99), one line. (Go kit's Histogram printed its
// bins; this one has none to print.)
func (h *Histogram) Print(w io.Writer) {
	count, sum := h.s.Stats()
	qs := h.s.Quantiles([]float64{0.5, 0.9, 0.95, 0.99})
	fmt.Fprintf(w, "%s count=%d sum=%g p50=%g p90=%g p95=%g p99=%g\n", h.Name, count, sum, qs[0], qs[1], qs[2], qs[3])
}

// SimpleHistogram is an in-memory Histogram that keeps only the mean of its
// observations (Go kit's name: ApproximateMovingAverage). It is Go kit's;
// [Histogram] keeps quantiles. Build it with [NewSimpleHistogram]; it is
// safe for concurrent use.
type SimpleHistogram struct {
	lvs []string
	fam *lv.Family[SimpleHistogram]

	mu   sync.Mutex // guards mean, n
	mean float64
	n    uint64
}

// NewSimpleHistogram returns a SimpleHistogram without labels.
func NewSimpleHistogram() *SimpleHistogram {
	var fam *lv.Family[SimpleHistogram]
	fam = lv.New(func(lvs []string) *SimpleHistogram { return &SimpleHistogram{lvs: lvs, fam: fam} })
	return fam.Get(nil, nil)
}

// With returns the child with h's label values followed by labelValues. The
// result is a *SimpleHistogram with observations of its own.
func (h *SimpleHistogram) With(labelValues ...string) metrics.Histogram {
	return h.fam.Get(h.lvs, labelValues)
}

// Observe records value; NaN and ±Inf are dropped.
func (h *SimpleHistogram) Observe(value float64) {
	if !metrics.Valid(value) {
		return
	}
	h.mu.Lock()
	h.n++
	h.mean += (value - h.mean) / float64(h.n)
	h.mu.Unlock()
}

// ApproximateMovingAverage returns the mean of the observations, or 0 if
// there were none.
func (h *SimpleHistogram) ApproximateMovingAverage() float64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.mean
}

// LabelValues returns h's label values; the caller must not modify them.
func (h *SimpleHistogram) LabelValues() []string { return h.lvs }
