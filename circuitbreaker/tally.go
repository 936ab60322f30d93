package circuitbreaker

import (
	"sync"
	"sync/atomic"
	"time"
)

// tallyWindow is the Throttle's rolling window of requests and accepts,
// lock-free on the common path. It keeps two cumulative counters, of all
// requests and all accepts since it was made, and, for each of the last n
// periods (buckets of equal width), the counters' values when the period
// began. The window's sums are the counters minus their values when the
// oldest period of the window began: counting a request or an accept is one
// atomic addition, and nothing is ever subtracted, so the sums stay exact
// whatever the interleaving (they may be transiently off by the additions
// in flight). Only the first instant of a new period takes the lock, to
// record where that period begins.
//
// An addition counts in the period that is the newest when it is made (an
// accept that arrives after its request's period ended counts in a later
// one), and instants before the newest period count in the newest.
type tallyWindow struct {
	width int64 // period width in nanoseconds
	cur   atomic.Pointer[period]

	// The counters, written by every call, each on cache lines of its
	// own, apart from the fields every call reads.
	_   [64]byte
	req atomic.Int64 // requests since the window was made
	_   [64]byte
	acc atomic.Int64 // accepts since the window was made
	_   [64]byte

	mu     sync.Mutex // serialises starting periods; guards starts
	starts []tallyMark
}

// tallyMark is the value of a tallyWindow's counters at an instant.
type tallyMark struct{ req, acc int64 }

// period is the newest period, [start, end) in Unix nanoseconds, with the
// counters' values when the oldest period of the window ending with it
// began; a new one replaces it once per period.
type period struct {
	p, start, end int64 // p = start / width
	base          tallyMark
}

func newTallyWindow(span time.Duration, n int) tallyWindow {
	n = max(n, 1)
	return tallyWindow{width: max(int64(span)/int64(n), 1), starts: make([]tallyMark, n)}
}

// slot returns the period instant ns (Unix nanoseconds) counts in: on the
// common path, one atomic load and two comparisons.
func (w *tallyWindow) slot(ns int64) *period {
	if c := w.cur.Load(); c != nil && ns >= c.start && ns < c.end {
		return c
	}
	return w.advance(ns)
}

// advance starts ns's period, if it is newer than the newest, and returns
// the newest period.
func (w *tallyWindow) advance(ns int64) *period {
	n := int64(len(w.starts))
	p := max(ns/w.width, 0) // instants before 1970 count in period 0
	w.mu.Lock()
	defer w.mu.Unlock()
	c := w.cur.Load()
	if c != nil && p <= c.p {
		return c
	}
	// Periods from the newest to p saw no call: they all begin now. At
	// most n of them matter. Before the first period, the counters were
	// zero, as starts holds.
	first := max(p-n+1, 0)
	if c != nil {
		first = max(first, c.p+1)
	}
	mark := tallyMark{w.req.Load(), w.acc.Load()}
	for q := first; q <= p; q++ {
		w.starts[q%n] = mark
	}
	// The window's oldest period is p-n+1, whose slot in the ring is the
	// one after p's.
	c = &period{p: p, start: p * w.width, end: (p + 1) * w.width, base: w.starts[(p+1)%n]}
	w.cur.Store(c)
	return c
}

// sums returns the window's requests and accepts, c being its newest
// period.
func (w *tallyWindow) sums(c *period) (req, acc int64) {
	return w.req.Load() - c.base.req, w.acc.Load() - c.base.acc
}
