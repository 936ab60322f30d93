package thrift

import (
	"context"
	"strconv"
	"time"

	"github.com/apache/thrift/lib/go/thrift"

	"github.com/endpointkit/kit/endpoint"
)

// TimeoutHeader is the THeader key carrying a caller's remaining time
// budget, as a whole number of milliseconds (rounded up, so that a live
// budget is never sent as 0): the same name and format as transport/http's.
// A Client over the header protocol sets it from its context's deadline; a
// Server applies it as its TimeoutPolicy says. A value of 0 or less means the
// budget is spent: the call is refused with ExceptionTimeout before the
// endpoint runs.
const TimeoutHeader = "Kit-Timeout"

// DefaultMaxTimeout is the longest budget a Server grants a caller when its
// TimeoutPolicy leaves Max zero.
const DefaultMaxTimeout = 30 * time.Second

// TimeoutPolicy says what a Server does with the budget a caller sends in
// TimeoutHeader. The zero value honours budgets up to DefaultMaxTimeout.
type TimeoutPolicy struct {
	// Ignore makes the Server disregard the header: the request's context
	// keeps only the deadlines the server gave it.
	Ignore bool
	// Max caps the budget a caller may grant itself: a longer one is cut
	// to Max, as this server's own limit (endpoint.ErrTimeout is the
	// context's cause when the cap ends the call, so that it counts as
	// this service's timeout rather than the caller's). Zero means
	// DefaultMaxTimeout; a negative Max honours any budget as sent.
	Max time.Duration
}

// apply returns ctx bounded by the budget in the request's headers. cancel
// is nil when nothing was applied.
func (p TimeoutPolicy) apply(ctx context.Context) (context.Context, context.CancelFunc, error) {
	if p.Ignore {
		return ctx, nil, nil
	}
	v, ok := thrift.GetHeader(ctx, TimeoutHeader)
	if !ok {
		return ctx, nil, nil
	}
	ms, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return ctx, nil, ErrBadTimeout
	}
	if ms <= 0 {
		return ctx, nil, ErrDeadlineExceeded
	}
	const maxMS = int64(time.Duration(1<<63-1) / time.Millisecond)
	d := time.Duration(min(ms, maxMS)) * time.Millisecond
	limit := p.Max
	if limit == 0 {
		limit = DefaultMaxTimeout
	}
	if limit > 0 && d > limit {
		ctx, cancel := endpoint.WithTimeout(ctx, limit)
		return ctx, cancel, nil
	}
	ctx, cancel := context.WithTimeout(ctx, d)
	return ctx, cancel, nil
}

// timeoutValue returns TimeoutHeader's value for ctx's deadline, and false
// when ctx has none.
func timeoutValue(ctx context.Context, now time.Time) (string, bool) {
	deadline, ok := ctx.Deadline()
	if !ok {
		return "", false
	}
	left := deadline.Sub(now)
	if left <= 0 {
		return "0", true
	}
	return strconv.FormatInt(int64((left+time.Millisecond-1)/time.Millisecond), 10), true
}
