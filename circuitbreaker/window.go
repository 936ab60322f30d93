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

// window is a rolling window of counts split into buckets of equal width.
// Each bucket remembers which period it holds, so buckets left behind by
// an idle spell are recognised as stale and reset lazily, without a timer
// goroutine. The zero window is not usable; see newWindow.
//
// window is not safe for concurrent use; its owner locks around it.
type window struct {
	width   int64 // bucket width in nanoseconds
	buckets []counts
	periods []int64 // periods[i] is the period buckets[i] holds
}

func newWindow(span time.Duration, n int) window {
	if n < 1 {
		n = 1
	}
	width := int64(span) / int64(n)
	if width < 1 {
		width = 1
	}
	return window{width: width, buckets: make([]counts, n), periods: make([]int64, n)}
}

// at returns the bucket for instant now, resetting it if it last held an
// older period.
func (w *window) at(now time.Time) *counts {
	p := now.UnixNano() / w.width
	i := int(uint64(p) % uint64(len(w.buckets)))
	if w.periods[i] != p {
		w.periods[i] = p
		w.buckets[i] = counts{}
	}
	return &w.buckets[i]
}

// sum returns the counts of the buckets that fall within the window ending
// at now.
func (w *window) sum(now time.Time) counts {
	p := now.UnixNano() / w.width
	oldest := p - int64(len(w.buckets)) + 1
	var s counts
	for i := range w.buckets {
		if q := w.periods[i]; q >= oldest && q <= p {
			s.add(w.buckets[i])
		}
	}
	return s
}

// reset forgets everything.
func (w *window) reset() {
	clear(w.buckets)
	clear(w.periods)
}
