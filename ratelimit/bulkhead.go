package ratelimit

import (
	"context"
	"runtime"
	"sync/atomic"
	"unsafe"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/metrics"
	"github.com/endpointkit/kit/metrics/discard"
)

// ErrInFlight is returned by concurrency limits ([Bulkhead], [Adaptive])
// when they refuse a call because too many are already in flight. It wraps
// [ErrLimited].
var ErrInFlight error = &limitError{msg: "ratelimit: too many requests in flight", wrapped: ErrLimited}

// maxStripes caps the number of stripes a [Bulkhead] splits its limit into.
const maxStripes = 16

// Bulkhead is a fixed limit on calls in flight: a call beyond it fails at
// once with [ErrInFlight] instead of queueing, so that one slow dependency
// cannot hold every goroutine and connection of a service.
//
// The limit is split into stripes, each on cache lines of its own and each
// with a share of the limit (the shares sum to the limit), so that calls
// on different processors rarely write the same memory. A call tries its
// goroutine's home stripe, then the others in turn, and is refused only if
// every stripe was full when it looked at it: a call may be refused while
// a slot frees on a stripe it has already passed, but never more than the
// limit run at once.
//
// A Bulkhead is safe for concurrent use; one may guard several Endpoints
// that share a resource.
type Bulkhead struct {
	stripes []bulkheadStripe
	gauge   metrics.Gauge
}

// bulkheadStripe is one share of a Bulkhead's limit, padded to 128 bytes
// (two cache lines, as adjacent lines are fetched in pairs on some CPUs)
// so that stripes do not share a line. 0 <= n <= share at all times.
type bulkheadStripe struct {
	n     atomic.Int64
	share int64
	_     [112]byte
}

// BulkheadOption configures a [Bulkhead].
type BulkheadOption func(*Bulkhead)

// BulkheadInFlight sets a gauge that follows the number of calls in
// flight. By default, it is discarded.
func BulkheadInFlight(g metrics.Gauge) BulkheadOption {
	return func(b *Bulkhead) { b.gauge = g }
}

// NewBulkhead returns a Bulkhead that lets at most limit calls run at
// once; limit below 1 is taken as 1. The number of stripes is fixed here,
// from runtime.GOMAXPROCS at the time of the call.
func NewBulkhead(limit int, opts ...BulkheadOption) *Bulkhead {
	limit = max(limit, 1)
	n := stripesFor(limit, runtime.GOMAXPROCS(0))
	b := &Bulkhead{stripes: make([]bulkheadStripe, n), gauge: discard.NewGauge()}
	for i := range b.stripes {
		// Shares differ by at most one and sum exactly to limit.
		b.stripes[i].share = int64(limit / n)
		if i < limit%n {
			b.stripes[i].share++
		}
	}
	for _, o := range opts {
		o(b)
	}
	return b
}

// stripesFor returns the number of stripes for a limit on procs
// processors: the least power of two at least twice procs (so that two
// calls at once rarely pick the same stripe), at most maxStripes and at
// most limit, so that every stripe has a share of at least one.
func stripesFor(limit, procs int) int {
	n := 1
	for n < 2*procs && n < maxStripes {
		n <<= 1
	}
	return min(n, limit)
}

// home returns the stripe a call starts from: a hash of the address of a
// variable on the calling goroutine's stack. Goroutines have stacks of
// their own, at least 2 KiB apart, so a goroutine keeps coming back to the
// same stripe (whose cache line then stays with its processor) while
// different goroutines spread over the stripes. Drawing a random stripe
// per call instead costs more (math/rand/v2 runs ChaCha8) and sends every
// stripe's line from core to core.
func (b *Bulkhead) home() int {
	var anchor byte
	// Fibonacci hashing: the high 32 bits of the product mix every bit
	// above the stack's 2 KiB granularity; multiply-shift then maps them
	// onto [0, len(b.stripes)).
	h := uint64(uintptr(unsafe.Pointer(&anchor))>>11) * 0x9E3779B97F4A7C15 >> 32
	return int(h * uint64(len(b.stripes)) >> 32)
}

// acquire takes a slot and returns the index of its stripe, or -1 if every
// stripe was full when looked at.
func (b *Bulkhead) acquire() int {
	s := b.stripes
	start := b.home()
	i := start
	for {
		st := &s[i]
		for {
			n := st.n.Load()
			if n >= st.share {
				break
			}
			if st.n.CompareAndSwap(n, n+1) {
				return i
			}
		}
		if i++; i == len(s) {
			i = 0
		}
		if i == start {
			return -1
		}
	}
}

// Acquire takes a slot and reports whether it got one; a true result must
// be followed by exactly one Release.
func (b *Bulkhead) Acquire() bool {
	if b.acquire() < 0 {
		return false
	}
	// Add rather than Set: concurrent updates commute, so the gauge cannot
	// be left on a stale value by two updates landing out of order.
	b.gauge.Add(1)
	return true
}

// Release gives back a slot taken by Acquire. As Acquire does not say
// which stripe its slot is on, Release frees a slot on any stripe that has
// one taken, scanning from the calling goroutine's home stripe. The number of calls in flight
// stays exact (it is the sum of the stripes' counts, and no stripe ever
// holds more than its share, so never more than the limit run at once),
// but a slot may be freed on another stripe than it was taken on; the
// Middleware, which knows its stripe, frees that one.
func (b *Bulkhead) Release() {
	b.release()
	b.gauge.Add(-1)
}

func (b *Bulkhead) release() {
	s := b.stripes
	start := b.home()
	i := start
	for {
		st := &s[i]
		for {
			n := st.n.Load()
			if n <= 0 {
				break
			}
			if st.n.CompareAndSwap(n, n-1) {
				return
			}
		}
		if i++; i == len(s) {
			i = 0
		}
		if i == start {
			// Every stripe looked empty: concurrent releases moved
			// the count, or Release was called without Acquire.
			// Decrementing keeps the sum exact either way.
			s[start].n.Add(-1)
			return
		}
	}
}

// InFlight returns the number of slots taken: the sum of the stripes'
// counts, each read at a slightly different instant.
func (b *Bulkhead) InFlight() int {
	var n int64
	for i := range b.stripes {
		n += b.stripes[i].n.Load()
	}
	return int(n)
}

// Middleware wraps next so that calls beyond the limit fail with
// [ErrInFlight]. The slot is released, on the stripe it was taken on, even
// if next panics.
func (b *Bulkhead) Middleware(next endpoint.Endpoint) endpoint.Endpoint {
	return func(ctx context.Context, request any) (any, error) {
		i := b.acquire()
		if i < 0 {
			return nil, ErrInFlight
		}
		b.gauge.Add(1)
		defer b.releaseStripe(i)
		return next(ctx, request)
	}
}

func (b *Bulkhead) releaseStripe(i int) {
	b.stripes[i].n.Add(-1)
	b.gauge.Add(-1)
}
