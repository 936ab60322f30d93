package circuitbreaker

import (
	"sync"
	"sync/atomic"
	"time"
)

// counts are the tallies of a Breaker's rolling window: calls, failed calls,
// and slow calls (failed ones included).
type counts struct {
	total, failed, slow uint64
}

// The fields of a bucket, in a stripe of a window.
const (
	fieldTotal = iota
	fieldFailed
	fieldSlow
	fields
)

// window is the Breaker's rolling window of counts: buckets of equal width,
// the newest found lock-free, like tallyWindow's. Each bucket is split into
// stripes, each stripe on its own cache lines, and a caller counts in the
// stripe it names, so that goroutines counting successes at once, without
// the Breaker's lock, mostly write different cache lines. Reading the
// window sums every stripe of every bucket: a cost paid on failures, not
// on successes.
//
// Counting is an atomic addition; only the first instant of a new bucket
// takes the window's lock, to retire the buckets that fell out of the
// window (store zero). A late addition to a retired bucket counts in the
// period that now occupies its slot, and an addition racing with reset
// may survive it. Instants before the newest period count in the newest
// bucket (a clock step). The zero window is not usable; see newWindow.
type window struct {
	width   int64 // bucket width in nanoseconds
	n       int64 // buckets
	stride  int   // uint64s from one stripe to the next
	stripes int
	c       []atomic.Uint64 // stripe s, bucket i, field f at s*stride + fields*i + f
	cur     atomic.Pointer[span]

	mu sync.Mutex // serialises retiring buckets
}

// span is the newest bucket's period [start, end) in Unix nanoseconds.
type span struct {
	p, start, end int64
	i             int // its bucket
}

// newWindow returns a window of n buckets over span, split into stripes
// (at least 1).
func newWindow(d time.Duration, n, stripes int) window {
	n = max(n, 1)
	stripes = max(stripes, 1)
	// A stripe's counts, then at least one cache line (8 uint64s) before
	// the next stripe's, whatever the slice's alignment.
	stride := (fields*n+7)/8*8 + 8
	return window{
		width:   max(int64(d)/int64(n), 1),
		n:       int64(n),
		stride:  stride,
		stripes: stripes,
		c:       make([]atomic.Uint64, stripes*stride),
	}
}

// bucket returns the bucket instant ns (Unix nanoseconds) counts in: on
// the common path, one atomic load and two comparisons.
func (w *window) bucket(ns int64) int {
	if c := w.cur.Load(); c != nil && ns >= c.start && ns < c.end {
		return c.i
	}
	return w.advance(ns)
}

// advance retires the buckets that fall out of the window ending at ns, if
// ns is in a newer period than the newest, and returns ns's bucket.
func (w *window) advance(ns int64) int {
	p := max(ns/w.width, 0) // instants before 1970 count in period 0
	w.mu.Lock()
	defer w.mu.Unlock()
	c := w.cur.Load()
	if c != nil && p <= c.p {
		return c.i
	}
	first := max(p-w.n+1, 0)
	if c != nil {
		first = max(first, c.p+1)
	}
	for q := first; q <= p; q++ {
		w.zero(int(q % w.n))
	}
	c = &span{p: p, start: p * w.width, end: (p + 1) * w.width, i: int(p % w.n)}
	w.cur.Store(c)
	return c.i
}

// zero clears bucket i in every stripe.
func (w *window) zero(i int) {
	for s := range w.stripes {
		base := s*w.stride + fields*i
		for f := range fields {
			w.c[base+f].Store(0)
		}
	}
}

// success counts one successful call at instant ns, in stripe s (below
// the window's stripes).
func (w *window) success(ns int64, s int) {
	w.c[s*w.stride+fields*w.bucket(ns)+fieldTotal].Add(1)
}

// record adds c to the bucket of instant ns, in stripe s (below the
// window's stripes).
func (w *window) record(ns int64, s int, c counts) {
	base := s*w.stride + fields*w.bucket(ns)
	if c.total != 0 {
		w.c[base+fieldTotal].Add(c.total)
	}
	if c.failed != 0 {
		w.c[base+fieldFailed].Add(c.failed)
	}
	if c.slow != 0 {
		w.c[base+fieldSlow].Add(c.slow)
	}
}

// total returns the sum of the window ending at instant ns.
func (w *window) total(ns int64) counts {
	w.bucket(ns)
	var sum counts
	for s := range w.stripes {
		base := s * w.stride
		for i := range int(w.n) {
			b := base + fields*i
			sum.total += w.c[b+fieldTotal].Load()
			sum.failed += w.c[b+fieldFailed].Load()
			sum.slow += w.c[b+fieldSlow].Load()
		}
	}
	return sum
}

// reset forgets everything.
func (w *window) reset() {
	for i := range w.c {
		w.c[i].Store(0)
	}
}
