package redis

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/metrics"
	"github.com/endpointkit/kit/metrics/discard"
	"github.com/endpointkit/kit/ratelimit"
)

// ErrUnavailable is wrapped by the error a [FailClosed] Limiter returns
// when it could not reach Redis. That error also wraps ratelimit.ErrLimited
// and the client's error.
var ErrUnavailable = errors.New("ratelimit/redis: limit store unavailable")

// Policy is what a [Limiter] does when Redis cannot decide.
type Policy int

const (
	// FailClosed refuses the call: nothing passes unaccounted.
	FailClosed Policy = iota
	// FailOpen lets the call through: the limit is suspended while Redis
	// is away.
	FailOpen
	// FallBack asks Settings.Fallback, a local limiter.
	FallBack
)

// Settings configures a [Limiter].
type Settings struct {
	// Rate is the number of events per second allowed across every
	// instance sharing the key. It must be positive.
	Rate float64
	// Burst is how many events may happen at once after a quiet spell.
	// Zero means 1. A burst of a few events also forgives jitter: with 1,
	// an event that arrives a little after its slot does not get the lost
	// time back, and a busy limit admits somewhat less than Rate.
	Burst int
	// Timeout bounds each decision, within the caller's own deadline. Zero
	// means 250ms.
	Timeout time.Duration
	// OnError is what to do when Redis cannot decide. The zero value is
	// FailClosed.
	OnError Policy
	// Fallback is the local limiter used under the FallBack policy; it is
	// required then.
	Fallback ratelimit.Allower
}

// Limiter is a rate limit shared through Redis. It is safe for concurrent
// use.
type Limiter struct {
	client   goredis.Scripter
	keys     []string
	args     []any
	timeout  time.Duration
	policy   Policy
	fallback ratelimit.Allower
	errors   metrics.Counter

	abandoned atomic.Int64 // calls still running after their decision timed out
}

// Option configures a [Limiter].
type Option func(*Limiter)

// LimiterErrors sets a counter incremented every time Redis could not
// decide and the policy was applied. By default, it is discarded.
func LimiterErrors(c metrics.Counter) Option {
	return func(l *Limiter) { l.errors = c }
}

// NewLimiter returns a Limiter that keeps its state under key in client,
// any go-redis client (*redis.Client, *redis.ClusterClient, *redis.Ring).
// It returns an error if s is invalid.
func NewLimiter(client goredis.Scripter, key string, s Settings, opts ...Option) (*Limiter, error) {
	if !(s.Rate > 0) || math.IsInf(s.Rate, 1) {
		return nil, fmt.Errorf("ratelimit/redis: Rate must be positive and finite, got %v", s.Rate)
	}
	if s.Burst < 0 {
		return nil, fmt.Errorf("ratelimit/redis: Burst must not be negative, got %d", s.Burst)
	}
	if s.OnError == FallBack && s.Fallback == nil {
		return nil, errors.New("ratelimit/redis: the FallBack policy needs Settings.Fallback")
	}
	if s.OnError < FailClosed || s.OnError > FallBack {
		return nil, fmt.Errorf("ratelimit/redis: unknown Policy %d", s.OnError)
	}
	if s.Burst == 0 {
		s.Burst = 1
	}
	if s.Timeout <= 0 {
		s.Timeout = 250 * time.Millisecond
	}
	// Microseconds: Redis TIME's resolution, and small enough in a Lua
	// double (53 bits) for centuries of epoch time.
	interval := int64(math.Max(1, math.Round(1e6/s.Rate)))
	l := &Limiter{
		client:   client,
		keys:     []string{key},
		args:     []any{interval, interval * int64(s.Burst-1)},
		timeout:  s.Timeout,
		policy:   s.OnError,
		fallback: s.Fallback,
		errors:   discard.NewCounter(),
	}
	for _, o := range opts {
		o(l)
	}
	return l, nil
}

// maxAbandoned bounds the calls a Limiter leaves running after their
// decision timed out (see Decide): past it, decisions fail at once instead of
// starting another call that a hung Redis would hold too.
const maxAbandoned = 128

// errBacklog is the error of a decision not sent because maxAbandoned calls
// are still waiting for Redis.
var errBacklog = errors.New("ratelimit/redis: too many calls still waiting for Redis")

// Decide asks Redis whether one event may happen now. It returns whether
// it may and, if not, how long until it may; err is non-nil only when Redis
// could not decide, in which case no policy has been applied.
//
// Decide returns within Settings.Timeout, or by ctx's deadline if that is
// earlier, whatever the client's own options: go-redis applies a context's
// deadline to the socket only with Options.ContextTimeoutEnabled, and
// otherwise waits for its ReadTimeout (3s by default) and retries. So the
// script runs in a goroutine of its own, and a decision that times out
// abandons it; the goroutine ends when the client gives up or Redis
// answers. At most 128 such calls are left running: past that, decisions
// fail at once (the policy applies) until some end. (go-redis ends a call
// waiting for a pooled connection, or dialing one, with its context; only
// calls on connections already open wait for the read timeout, so the pool
// size bounds them too.)
func (l *Limiter) Decide(ctx context.Context) (ok bool, retryAfter time.Duration, err error) {
	if err := ctx.Err(); err != nil {
		return false, 0, err
	}
	if l.abandoned.Load() >= maxAbandoned {
		return false, 0, errBacklog
	}
	ctx, cancel := context.WithTimeoutCause(ctx, l.timeout, errDecisionTimeout)
	defer cancel()
	c := &call{done: make(chan struct{})}
	go l.run(ctx, c)
	select {
	case <-c.done:
	case <-ctx.Done():
		if c.state.CompareAndSwap(running, abandoned) {
			l.abandoned.Add(1)
			return false, 0, context.Cause(ctx)
		}
		<-c.done // it finished meanwhile: use its answer
	}
	if c.err != nil {
		return false, 0, c.err
	}
	if len(c.vals) != 2 {
		return false, 0, fmt.Errorf("ratelimit/redis: script returned %d values, want 2", len(c.vals))
	}
	return c.vals[0] == 1, time.Duration(c.vals[1]) * time.Microsecond, nil
}

// errDecisionTimeout is the cause of a decision that ran out of
// Settings.Timeout.
var errDecisionTimeout = errors.New("ratelimit/redis: no answer within Settings.Timeout")

// call is one script run, shared by Decide and the goroutine that runs it.
// vals and err are written before done is closed, and read after.
type call struct {
	state atomic.Int32 // running, then finished (by run) or abandoned (by Decide)
	done  chan struct{}
	vals  []int64
	err   error
}

const (
	running int32 = iota
	finished
	abandoned
)

// run runs the script for c under ctx and reports, closing c.done.
func (l *Limiter) run(ctx context.Context, c *call) {
	c.vals, c.err = gcra.Run(ctx, l.client, l.keys, l.args...).Int64Slice()
	if !c.state.CompareAndSwap(running, finished) {
		l.abandoned.Add(-1) // Decide left without us and counted us
	}
	close(c.done)
}

// AllowContext decides with Redis and, when Redis cannot, applies the
// policy. The error is nil when the event may happen, wraps
// ratelimit.ErrLimited when it may not, and under FailClosed also wraps
// [ErrUnavailable] and the client's error.
func (l *Limiter) AllowContext(ctx context.Context) error {
	ok, _, err := l.Decide(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err() // the caller gave up; not Redis's fault
		}
		l.errors.Add(1)
		switch l.policy {
		case FailOpen:
			return nil
		case FallBack:
			if l.fallback.Allow() {
				return nil
			}
			return ratelimit.ErrLimited
		default:
			return fmt.Errorf("%w: %w: %w", ratelimit.ErrLimited, ErrUnavailable, err)
		}
	}
	if !ok {
		return ratelimit.ErrLimited
	}
	return nil
}

// Allow makes Limiter a ratelimit.Allower, for NewErroringLimiter and
// Keyed: it is AllowContext with a background context.
func (l *Limiter) Allow() bool {
	return l.AllowContext(context.Background()) == nil
}

// Middleware wraps next so that calls the limit refuses fail with an error
// wrapping ratelimit.ErrLimited (see AllowContext). The decision runs under
// the call's context.
func (l *Limiter) Middleware(next endpoint.Endpoint) endpoint.Endpoint {
	return func(ctx context.Context, request any) (any, error) {
		if err := l.AllowContext(ctx); err != nil {
			return nil, err
		}
		return next(ctx, request)
	}
}
