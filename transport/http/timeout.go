package http

import (
	"context"
	"net/http"
	"strconv"
	"time"
)

// TimeoutHeader carries a caller's remaining time budget, as a whole number
// of milliseconds (rounded up, so a live budget is never sent as 0). A Client
// sets it from its context's deadline; a Server applies it to the request's
// context unless ServerIgnoreTimeoutHeader is given. A value of 0 or less
// means the budget is spent: the request is refused with 504.
const TimeoutHeader = "Kit-Timeout"

// ContextWithTimeoutHeader returns ctx bounded by the budget in h's
// TimeoutHeader, for servers other than Server (the jsonrpc package uses
// it). cancel is nil when there is no header. A malformed header is
// ErrBadTimeout and a spent budget ErrDeadlineExceeded, both wrapped in a
// *StatusError (400 and 504).
func ContextWithTimeoutHeader(ctx context.Context, h http.Header) (_ context.Context, cancel context.CancelFunc, err error) {
	return applyTimeout(ctx, h)
}

// SetTimeoutHeader sets TimeoutHeader in h to the budget left before ctx's
// deadline, if it has one; for clients other than Client.
func SetTimeoutHeader(ctx context.Context, h http.Header) { setTimeout(ctx, h, time.Now) }

// applyTimeout returns ctx bounded by the budget in h, if any. cancel is nil
// when there is no header.
func applyTimeout(ctx context.Context, h http.Header) (context.Context, context.CancelFunc, error) {
	v := h[TimeoutHeader] // canonical key: no allocation on the common path
	if len(v) == 0 {
		return ctx, nil, nil
	}
	ms, err := strconv.ParseInt(v[0], 10, 64)
	if err != nil || len(v) > 1 {
		return ctx, nil, &StatusError{Code: http.StatusBadRequest, Err: ErrBadTimeout}
	}
	if ms <= 0 {
		return ctx, nil, &StatusError{Code: http.StatusGatewayTimeout, Err: ErrDeadlineExceeded}
	}
	const maxMS = int64(time.Duration(1<<63-1) / time.Millisecond)
	ms = min(ms, maxMS)
	ctx, cancel := context.WithTimeout(ctx, time.Duration(ms)*time.Millisecond)
	return ctx, cancel, nil
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
