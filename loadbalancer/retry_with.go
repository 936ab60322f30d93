package loadbalancer

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/endpointkit/kit/endpoint"
)

// RetrySettings configures [RetryWith]. The zero value is ready to use: three
// attempts, jittered exponential backoff from 10ms, no per-attempt timeout,
// no budget, and an attempt retried when [endpoint.Classify] says its
// Outcome is Retryable.
type RetrySettings struct {
	// MaxAttempts is the number of attempts in all, the first included.
	// Zero means 3.
	MaxAttempts int
	// Timeout bounds the whole call, attempts and backoff together. Zero
	// means only the caller's deadline applies. It is this hop's own limit
	// (endpoint.WithTimeout): a call it cuts short is the dependency's
	// failure, not the caller's.
	Timeout time.Duration
	// AttemptTimeout bounds each attempt, so that one slow instance leaves
	// time to try another. Zero means no bound beyond the overall deadline.
	// It is this hop's own limit (endpoint.WithTimeout): an attempt it cuts
	// short is a retryable DependencyFailure, and breakers, outlier
	// ejection and adaptive limits inside the retry count it against the
	// instance.
	AttemptTimeout time.Duration
	// BackoffBase and BackoffMax shape the wait before the n-th retry: a
	// random duration in [0, min(BackoffMax, BackoffBase·2^(n-1))) ("full
	// jitter"), so that clients that failed together do not retry together.
	// Zero means 10ms and 1s. A negative BackoffBase means no wait.
	BackoffBase, BackoffMax time.Duration
	// MinAttemptTime is the least time that must be left before the
	// deadline to start an attempt (after the backoff). Zero means 1ms.
	MinAttemptTime time.Duration
	// Budget, when set, must allow each retry; share one Budget among all
	// the endpoints of a client so that retries stay a bounded fraction of
	// its traffic even when a backend fails outright. Nil means no budget.
	Budget *Budget
	// Classifier classifies each failed attempt with kit's failure model,
	// with the attempt's context; the retry goes on only when the Outcome
	// is Retryable. Nil means endpoint.Classify: a DependencyFailure (a
	// 5xx, Unavailable, a connection error, an attempt's own timeout) and
	// an Overloaded refusal are retried, a CallerError (a 4xx,
	// InvalidArgument) and a 501 are not. Whatever it says, the retry stops
	// when the caller's context is done; business errors are not seen at
	// all, as they travel inside responses (endpoint.Failer).
	Classifier endpoint.Classifier
	// Attempt, when set, wraps each attempt's endpoint: n is the attempt's
	// number (1 for the first) and instance the name of the instance
	// picked ("" when the Balancer names none). The returned Endpoint is
	// called once, under the attempt's timeout. Tracing uses it to give
	// each attempt a span of its own (tracing/otel and tracing/zipkin
	// RetryAttempts). Nil means the attempts are called as they are.
	Attempt func(n int, instance string, next endpoint.Endpoint) endpoint.Endpoint
}

func (s RetrySettings) withDefaults() RetrySettings {
	if s.MaxAttempts <= 0 {
		s.MaxAttempts = 3
	}
	if s.BackoffBase == 0 {
		s.BackoffBase = 10 * time.Millisecond
	}
	if s.BackoffMax <= 0 {
		s.BackoffMax = time.Second
	}
	if s.MinAttemptTime <= 0 {
		s.MinAttemptTime = time.Millisecond
	}
	if s.Classifier == nil {
		s.Classifier = endpoint.Classify
	}
	return s
}

// RetryWith returns an Endpoint that calls an endpoint from b and retries
// failures as settings say: up to MaxAttempts, each retry after a jittered
// exponential backoff, on an instance not tried yet where b offers one, each
// attempt under AttemptTimeout, only while the Budget allows, and never
// starting an attempt that the deadline would cut short. It returns the first
// success, or a *RetryError holding every attempt's error.
//
// Retries tell instances apart by name. Every Balancer of this package
// names its picks: with the names of a [TargetEndpointer] (the Endpointer
// of [NewEndpointer], an [OutlierEndpointer]) or, over a plain Endpointer,
// with each endpoint's position in the set ("0", "1"...). A position names
// an instance only within one published set: if discovery changes the set
// between two attempts, a retry may land on the instance that just failed,
// which is what a retry without avoidance does anyway; it never picks an
// endpoint outside the current set. A Balancer of your own (a
// [BalancerFunc]) cannot name its picks, and each retry takes a fresh pick
// from it, as Go kit's Retry does. When every instance has been tried, the
// balancer picks among all of them again.
//
// Attempts run on the caller's goroutine: endpoints must return when their
// context is done. The Endpoint is safe for concurrent use.
func RetryWith(b Balancer, settings RetrySettings) endpoint.Endpoint {
	s := settings.withDefaults()
	return func(ctx context.Context, req any) (any, error) {
		if s.Timeout > 0 {
			var cancel context.CancelFunc
			ctx, cancel = endpoint.WithTimeout(ctx, s.Timeout)
			defer cancel()
		}
		if s.Budget != nil {
			s.Budget.Deposit()
		}
		// The RetryError is built only on failure, so that a call that
		// succeeds at once allocates nothing here.
		var raws []error
		var tried []string // the instances tried, by name
		for n := 1; ; n++ {
			tg, err := pickUntried(b, tried)
			if err != nil {
				return nil, &RetryError{RawErrors: append(raws, err), Final: err}
			}
			e := tg.Endpoint
			if s.Attempt != nil {
				e = s.Attempt(n, tg.Instance, e)
			}
			resp, retryable, err := attempt(ctx, e, req, s.AttemptTimeout, s.Classifier)
			if err == nil {
				return resp, nil
			}
			raws = append(raws, err)
			switch {
			case ctx.Err() != nil:
				return nil, &RetryError{RawErrors: raws, Final: ctx.Err()}
			case n >= s.MaxAttempts || !retryable:
				return nil, &RetryError{RawErrors: raws, Final: err}
			}
			wait := backoff(s.BackoffBase, s.BackoffMax, n)
			if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait+s.MinAttemptTime {
				return nil, &RetryError{RawErrors: raws, Final: ErrDeadlineTooClose}
			}
			if s.Budget != nil && !s.Budget.TryWithdraw() {
				return nil, &RetryError{RawErrors: raws, Final: ErrBudgetExhausted}
			}
			if err := sleep(ctx, wait); err != nil {
				return nil, &RetryError{RawErrors: raws, Final: err}
			}
			if tg.Instance != "" {
				tried = append(tried, tg.Instance)
			}
		}
	}
}

// attempt makes one attempt under timeout d (none when d <= 0) and, when it
// fails, classifies it with the attempt's own context, before that context
// is canceled: an attempt cut short by d is this hop's timeout.
func attempt(ctx context.Context, e endpoint.Endpoint, req any, d time.Duration, classify endpoint.Classifier) (_ any, retryable bool, _ error) {
	if d > 0 {
		var cancel context.CancelFunc
		ctx, cancel = endpoint.WithTimeout(ctx, d)
		defer cancel()
	}
	resp, err := e(ctx, req)
	if err != nil {
		retryable = classify(ctx, resp, err).Retryable
	}
	return resp, retryable, err
}

// backoff returns the full-jitter wait before retry n (n >= 1).
func backoff(base, ceiling time.Duration, n int) time.Duration {
	if base < 0 {
		return 0
	}
	d := ceiling
	if n-1 < 32 && base<<(n-1) < ceiling && base<<(n-1) > 0 {
		d = base << (n - 1)
	}
	return time.Duration(rand.Int64N(int64(d) + 1))
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// namedPicker is implemented by the Balancers of this package: pick returns
// the endpoint Endpoint would return together with the name of its instance
// (see [RetryWith]), and avoids the instances named in tried while an
// untried one is left. With nothing tried it picks as Endpoint does.
type namedPicker interface {
	pick(tried []string) (Target, error)
}

// pickUntried asks b for an instance not in tried; a Balancer that cannot
// name its picks gives a fresh pick, with no name.
func pickUntried(b Balancer, tried []string) (Target, error) {
	if p, ok := b.(namedPicker); ok {
		return p.pick(tried)
	}
	e, err := b.Endpoint()
	return Target{Endpoint: e}, err
}

// pick implements namedPicker for Random, here rather than in random.go: a
// uniform draw among the instances not tried yet, or among all when every
// one was.
func (r *Random) pick(tried []string) (Target, error) {
	set, err := newSource(r.s).read()
	if err != nil {
		return Target{}, err
	}
	n := set.len()
	if n == 0 {
		return Target{}, ErrNoEndpoints
	}
	if len(tried) > 0 {
		var untried []int
		for i := range n {
			if !slices.Contains(tried, set.target(i).Instance) {
				untried = append(untried, i)
			}
		}
		if len(untried) > 0 {
			return set.target(untried[r.intN(len(untried))]), nil
		}
	}
	return set.target(r.intN(n)), nil
}

// RetryError is returned by the retrying endpoints ([RetryWith], [Retry],
// [RetryWithCallback]) when every attempt failed or retrying stopped.
// RawErrors holds each attempt's error in order; Final is the error that
// ended the retries (the last attempt's error, a context error, or the
// reason retrying stopped: [ErrBudgetExhausted], [ErrDeadlineTooClose]).
// Unwrap exposes all of them, so errors.Is and errors.As see through a
// RetryError to any attempt.
type RetryError struct {
	RawErrors []error
	Final     error
}

// Error implements error.
func (e *RetryError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "loadbalancer: %d attempt(s) failed", len(e.RawErrors))
	if e.Final != nil {
		fmt.Fprintf(&b, ": %v", e.Final)
	}
	if len(e.RawErrors) > 1 {
		b.WriteString(" (attempts:")
		for i, err := range e.RawErrors {
			if i > 0 {
				b.WriteByte(';')
			}
			fmt.Fprintf(&b, " %v", err)
		}
		b.WriteByte(')')
	}
	return b.String()
}

// Unwrap returns Final followed by every attempt's error.
func (e *RetryError) Unwrap() []error {
	out := make([]error, 0, len(e.RawErrors)+1)
	if e.Final != nil {
		out = append(out, e.Final)
	}
	return append(out, e.RawErrors...)
}

// ErrBudgetExhausted is the Final error of a RetryError when the retry budget
// refused a retry.
var ErrBudgetExhausted = errors.New("loadbalancer: retry budget exhausted")

// ErrDeadlineTooClose is the Final error of a RetryError when the time left
// before the deadline was too short for another attempt.
var ErrDeadlineTooClose = errors.New("loadbalancer: too little time left for another attempt")
