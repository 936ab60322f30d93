package ratelimit

import (
	"context"
	"sync/atomic"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/metrics"
	"github.com/endpointkit/kit/metrics/discard"
)

// ErrInFlight is returned by concurrency limits ([Bulkhead], [Adaptive])
// when they refuse a call because too many are already in flight. It wraps
// [ErrLimited].
var ErrInFlight error = &limitError{msg: "ratelimit: too many requests in flight"}

type limitError struct{ msg string }

func (e *limitError) Error() string { return e.msg }
func (e *limitError) Unwrap() error { return ErrLimited }

// Bulkhead is a fixed limit on calls in flight: a call beyond it fails at
// once with [ErrInFlight] instead of queueing, so that one slow dependency
// cannot hold every goroutine and connection of a service.
//
// A Bulkhead is safe for concurrent use; one may guard several Endpoints
// that share a resource.
type Bulkhead struct {
	max      int64
	inflight atomic.Int64
	gauge    metrics.Gauge
}

// BulkheadOption configures a [Bulkhead].
type BulkheadOption func(*Bulkhead)

// BulkheadInFlight sets a gauge that follows the number of calls in
// flight. By default, it is discarded.
func BulkheadInFlight(g metrics.Gauge) BulkheadOption {
	return func(b *Bulkhead) { b.gauge = g }
}

// NewBulkhead returns a Bulkhead that lets at most limit calls run at
// once; limit below 1 is taken as 1.
func NewBulkhead(limit int, opts ...BulkheadOption) *Bulkhead {
	b := &Bulkhead{max: int64(max(limit, 1)), gauge: discard.NewGauge()}
	for _, o := range opts {
		o(b)
	}
	return b
}

// Acquire takes a slot and reports whether it got one; a true result must
// be followed by exactly one Release.
func (b *Bulkhead) Acquire() bool {
	n := b.inflight.Add(1)
	if n > b.max {
		b.inflight.Add(-1)
		return false
	}
	// Add rather than Set: concurrent updates commute, so the gauge cannot
	// be left on a stale value by two updates landing out of order.
	b.gauge.Add(1)
	return true
}

// Release gives back a slot taken by Acquire.
func (b *Bulkhead) Release() {
	b.inflight.Add(-1)
	b.gauge.Add(-1)
}

// InFlight returns the number of slots taken.
func (b *Bulkhead) InFlight() int { return int(b.inflight.Load()) }

// Middleware wraps next so that calls beyond the limit fail with
// [ErrInFlight]. The slot is released even if next panics.
func (b *Bulkhead) Middleware(next endpoint.Endpoint) endpoint.Endpoint {
	return func(ctx context.Context, request any) (any, error) {
		if !b.Acquire() {
			return nil, ErrInFlight
		}
		defer b.Release()
		return next(ctx, request)
	}
}
