package circuitbreaker

import "time"

// counts are the tallies of one bucket of a rolling window. A Breaker uses
// total, failed and slow; a Throttle uses total (requests) and failed
// (accepts), named for the Breaker.
type counts struct {
	total, failed, slow uint64
}

func (c *counts) add(o counts) {
	c.total += o.total
	c.failed += o.failed
	c.slow += o.slow
}

func (c *counts) sub(o counts) {
	c.total -= o.total
	c.failed -= o.failed
	c.slow -= o.slow
}

// window is a rolling window of counts split into buckets of equal width,
// with a running sum so that reading the window costs O(1). Buckets are
// retired lazily as time moves forward, without a timer goroutine: moving
// forward by k buckets costs O(min(k, buckets)). The zero window is not
// usable; see newWindow.
//
// Instants that go backwards (a clock step) are counted in the newest
// bucket. window is not safe for concurrent use; its owner locks around it.
type window struct {
	width   int64 // bucket width in nanoseconds
	buckets []counts
	latest  int64  // the newest period seen; buckets[latest % n] holds it
	start   int64  // latest*width: where the newest period starts
	sum     counts // the sum of all buckets
}

func newWindow(span time.Duration, n int) window {
	if n < 1 {
		n = 1
	}
	width := int64(span) / int64(n)
	if width < 1 {
		width = 1
	}
	return window{width: width, buckets: make([]counts, n)}
}

// advance retires the buckets that fall out of the window ending at now
// and returns the bucket now counts in.
func (w *window) advance(now time.Time) *counts {
	ns := now.UnixNano()
	n := int64(len(w.buckets))
	if d := ns - w.start; d >= 0 && d < w.width {
		// Still in the newest period, the common case: no division.
		return &w.buckets[w.latest%n]
	}
	p := ns / w.width
	if p > w.latest {
		if p-w.latest >= n {
			clear(w.buckets)
			w.sum = counts{}
		} else {
			for q := w.latest + 1; q <= p; q++ {
				b := &w.buckets[q%n]
				w.sum.sub(*b)
				*b = counts{}
			}
		}
		w.latest, w.start = p, p*w.width
	}
	return &w.buckets[w.latest%n]
}

// record adds c to the bucket of instant now.
func (w *window) record(now time.Time, c counts) {
	w.advance(now).add(c)
	w.sum.add(c)
}

// total returns the sum of the window ending at now.
func (w *window) total(now time.Time) counts {
	w.advance(now)
	return w.sum
}

// reset forgets everything.
func (w *window) reset() {
	clear(w.buckets)
	w.sum = counts{}
}
