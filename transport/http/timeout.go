package http

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/endpointkit/kit/endpoint"
)

// TimeoutHeader carries a caller's remaining time budget, as a whole number
// of milliseconds (rounded up, so a live budget is never sent as 0). A Client
// sets it from its context's deadline; a Server applies it to the request's
// context as its [TimeoutPolicy] says (by default, up to
// [DefaultTimeoutCap]). A value of 0 or less means the budget is spent: the
// request is refused with 504.
const TimeoutHeader = "Kit-Timeout"

// DefaultTimeoutCap is the longest budget a server takes from TimeoutHeader
// under the zero [TimeoutPolicy], the default of [Server] and of the
// jsonrpc package's server: 30 seconds, longer than any sensible
// request-response call, short enough that a caller cannot pin a
// request's goroutine and connection for hours.
const DefaultTimeoutCap = 30 * time.Second

// TimeoutPolicy is what a server does with the budget a caller sends in
// TimeoutHeader. The zero value caps it at DefaultTimeoutCap; build others
// with [HonorTimeout], [CapTimeout] and [IgnoreTimeout], and set one with
// [ServerTimeoutPolicy] (or the jsonrpc package's option of the same name).
//
// A budget a server takes is the caller's deadline: a call it cuts short is
// the caller's doing (endpoint.CallerError), so a caller sending tiny
// budgets trips no breaker and shrinks no limit. When a cap applies, the
// deadline is this hop's own limit instead (endpoint.WithTimeout): a call
// it cuts short counts as the dependency's failure, as it would under the
// service's own endpoint.Timeout.
//
// Whichever the policy, a malformed header is refused with 400 and a spent
// budget (0 or less) with 504, except under IgnoreTimeout, which does not
// read the header at all.
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
// is, however long. It is meant for servers whose every caller is trusted
// (a service reachable only by its own fleet): a caller that sends a day
// holds the request's resources for a day.
func HonorTimeout() TimeoutPolicy { return TimeoutPolicy{mode: timeoutHonor} }

// CapTimeout returns a TimeoutPolicy that takes a caller's budget up to
// max, and gives a request that asks for more this hop's own limit of max.
// Zero or less means DefaultTimeoutCap.
func CapTimeout(max time.Duration) TimeoutPolicy {
	return TimeoutPolicy{mode: timeoutCap, max: max}
}

// IgnoreTimeout returns a TimeoutPolicy that ignores TimeoutHeader, for
// servers reachable by callers that should not choose their budget at all
// (a public endpoint, where the service sets its own deadlines).
func IgnoreTimeout() TimeoutPolicy { return TimeoutPolicy{mode: timeoutIgnore} }

// Context returns ctx bounded by the budget in h's TimeoutHeader as the
// policy says, for servers other than Server. cancel is nil when ctx is
// returned as it is. A malformed header is ErrBadTimeout and a spent budget
// ErrDeadlineExceeded, both wrapped in a *StatusError (400 and 504).
func (p TimeoutPolicy) Context(ctx context.Context, h http.Header) (_ context.Context, cancel context.CancelFunc, err error) {
	if p.mode == timeoutIgnore {
		return ctx, nil, nil
	}
	d, ok, err := parseTimeout(h)
	if !ok || err != nil {
		return ctx, nil, err
	}
	if p.mode == timeoutCap {
		limit := p.max
		if limit <= 0 {
			limit = DefaultTimeoutCap
		}
		if d > limit {
			ctx, cancel = endpoint.WithTimeout(ctx, limit)
			return ctx, cancel, nil
		}
	}
	ctx, cancel = context.WithTimeout(ctx, d)
	return ctx, cancel, nil
}

// ContextWithTimeoutHeader returns ctx bounded by the budget in h's
// TimeoutHeader under the zero (default) TimeoutPolicy, for servers other
// than Server. It is TimeoutPolicy{}.Context(ctx, h).
func ContextWithTimeoutHeader(ctx context.Context, h http.Header) (_ context.Context, cancel context.CancelFunc, err error) {
	return TimeoutPolicy{}.Context(ctx, h)
}

// SetTimeoutHeader sets TimeoutHeader in h to the budget left before ctx's
// deadline, if it has one; for clients other than Client.
func SetTimeoutHeader(ctx context.Context, h http.Header) { setTimeout(ctx, h, time.Now) }

// parseTimeout returns the budget in h, and whether there is one.
func parseTimeout(h http.Header) (time.Duration, bool, error) {
	v := h[TimeoutHeader] // canonical key: no allocation on the common path
	if len(v) == 0 {
		return 0, false, nil
	}
	ms, err := strconv.ParseInt(v[0], 10, 64)
	if err != nil || len(v) > 1 {
		return 0, false, &StatusError{Code: http.StatusBadRequest, Err: ErrBadTimeout}
	}
	if ms <= 0 {
		return 0, false, &StatusError{Code: http.StatusGatewayTimeout, Err: ErrDeadlineExceeded}
	}
	const maxMS = int64(time.Duration(1<<63-1) / time.Millisecond)
	return time.Duration(min(ms, maxMS)) * time.Millisecond, true, nil
}

// setTimeout writes the budget left before ctx's deadline into h. It reads
// the clock only when there is a deadline: most requests have none.
func setTimeout(ctx context.Context, h http.Header, now func() time.Time) {
	deadline, ok := ctx.Deadline()
	if !ok {
		return
	}
	left := deadline.Sub(now())
	ms := int64((left + time.Millisecond - 1) / time.Millisecond)
	if left <= 0 {
		ms = 0
	}
	h[TimeoutHeader] = []string{strconv.FormatInt(ms, 10)}
}
