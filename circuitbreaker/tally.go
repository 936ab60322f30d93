package circuitbreaker

import (
	"sync"
	"sync/atomic"
	"time"
)

// tally is one bucket of a tallyWindow.
type tally struct {
	req, acc atomic.Int64
}

// tallyWindow is the Throttle's rolling window of requests and accepts:
// buckets of equal width with running sums, like window, but lock-free on
// the common path. Counting in the newest bucket is two atomic additions
// (bucket and sum); only the first instant of a new bucket takes the lock,
// to retire the buckets that fell out of the window.
//
// Every unit added to a bucket is subtracted from the sum exactly once, when
// the bucket is retired (an atomic swap to zero), so the sums stay exact
// whatever the interleaving; they may be transiently off by the additions
// in flight, and a late addition to a retired bucket counts in the period
// that now occupies its slot. Instants before the newest period count in
// the newest bucket.
type tallyWindow struct {
	width   int64 // bucket width in nanoseconds
	buckets []tally
	cur     atomic.Pointer[period] // the newest period; nil before the first

	// The sums, written by every call, on cache lines of their own, so
	// that the fields above, read by every call, are not invalidated
	// in other processors' caches by each write.
	_        [64]byte
	req, acc atomic.Int64 // the sums of all buckets
	_        [64]byte

	mu sync.Mutex // serialises retiring buckets
}

// period is the newest bucket's span [start, end) in Unix nanoseconds and
// the bucket counting it; a new one replaces it once per bucket width.
type period struct {
	p          int64 // start / width
	start, end int64
	b          *tally
}

func newTallyWindow(span time.Duration, n int) tallyWindow {
	n = max(n, 1)
	return tallyWindow{width: max(int64(span)/int64(n), 1), buckets: make([]tally, n)}
}

// slot returns the bucket instant ns (Unix nanoseconds) counts in: on the
// common path, one atomic load and two comparisons.
func (w *tallyWindow) slot(ns int64) *tally {
	if c := w.cur.Load(); c != nil && ns >= c.start && ns < c.end {
		return c.b
	}
	return w.advance(ns)
}

// advance retires the buckets that fall out of the window ending at ns, if
// ns is in a newer period than the newest, and returns ns's bucket.
func (w *tallyWindow) advance(ns int64) *tally {
	n := int64(len(w.buckets))
	p := ns / w.width
	w.mu.Lock()
	defer w.mu.Unlock()
	latest := int64(0)
	c := w.cur.Load()
	if c != nil {
		latest = c.p
	}
	if p <= latest && c != nil {
		return c.b
	}
	for q := max(latest+1, p-n+1); q <= p; q++ {
		b := &w.buckets[q%n]
		w.req.Add(-b.req.Swap(0))
		w.acc.Add(-b.acc.Swap(0))
	}
	c = &period{p: p, start: p * w.width, end: (p + 1) * w.width, b: &w.buckets[p%n]}
	w.cur.Store(c)
	return c.b
}
