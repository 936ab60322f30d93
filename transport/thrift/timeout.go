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

// DefaultTimeoutCap is the longest budget a Server takes from TimeoutHeader
// under the zero TimeoutPolicy: 30 seconds, as transport/http's.
const DefaultTimeoutCap = 30 * time.Second

// TimeoutPolicy is what a Server does with the budget a caller sends in
// TimeoutHeader; the same policies, under the same names, as
// transport/http's. The zero value caps it at DefaultTimeoutCap; build
// others with [HonorTimeout], [CapTimeout] and [IgnoreTimeout], and set one
// with [ServerTimeoutPolicy].
//
// A budget a Server takes is the caller's deadline: a call it cuts short is
// the caller's doing (endpoint.CallerError). When a cap applies, the
// deadline is this hop's own limit instead (endpoint.WithTimeout): a call it
// cuts short counts as the dependency's failure. Whichever the policy, a
// malformed header is refused with thrift.PROTOCOL_ERROR and a spent budget
// (0 or less) with ExceptionTimeout, except under IgnoreTimeout, which does
// not read the header at all.
type TimeoutPolicy struct {
	mode timeoutMode
	max  time.Duration // for timeoutCap; zero means DefaultTimeoutCap
}

type timeoutMode uint8

const (
	timeoutCap timeoutMode = iota // the zero value
	timeoutHonor
	timeoutIgnore
)

// HonorTimeout returns a TimeoutPolicy that takes a caller's budget as it
// is, however long; for servers whose every caller is trusted.
func HonorTimeout() TimeoutPolicy { return TimeoutPolicy{mode: timeoutHonor} }

// CapTimeout returns a TimeoutPolicy that takes a caller's budget up to
// max, and gives a request that asks for more this hop's own limit of max.
// Zero or less means DefaultTimeoutCap.
func CapTimeout(max time.Duration) TimeoutPolicy {
	return TimeoutPolicy{mode: timeoutCap, max: max}
}

// IgnoreTimeout returns a TimeoutPolicy that ignores TimeoutHeader, for
// servers whose callers should not choose their budget at all.
func IgnoreTimeout() TimeoutPolicy { return TimeoutPolicy{mode: timeoutIgnore} }

// apply returns ctx bounded by the budget in the request's headers. cancel
// is nil when nothing was applied.
func (p TimeoutPolicy) apply(ctx context.Context) (context.Context, context.CancelFunc, error) {
	if p.mode == timeoutIgnore {
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
	limit := p.max
	if limit <= 0 {
		limit = DefaultTimeoutCap
	}
	if p.mode == timeoutCap && d > limit {
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
