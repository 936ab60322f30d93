package loadbalancer

import (
	"context"
	"math/rand/v2"
	"time"
	"unsafe"

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
// exponential backoff, on a different instance where b offers one, each
// attempt under AttemptTimeout, only while the Budget allows, and never
// starting an attempt that the deadline would cut short. It returns the first
// success, or a *RetryError holding every attempt's error.
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
		var final RetryError
		var tried []endpoint.Endpoint
		for n := 1; ; n++ {
			e, err := pickOther(b, tried)
			if err != nil {
				final.RawErrors = append(final.RawErrors, err)
				final.Final = err
				return nil, &final
			}
			tried = append(tried, e)
			resp, retryable, err := attempt(ctx, e, req, s.AttemptTimeout, s.Classifier)
			if err == nil {
				return resp, nil
			}
			final.RawErrors = append(final.RawErrors, err)
			final.Final = err
			switch {
			case ctx.Err() != nil:
				final.Final = ctx.Err()
				return nil, &final
			case n >= s.MaxAttempts || !retryable:
				return nil, &final
			}
			wait := backoff(s.BackoffBase, s.BackoffMax, n)
			if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait+s.MinAttemptTime {
				final.Final = ErrDeadlineTooClose
				return nil, &final
			}
			if s.Budget != nil && !s.Budget.TryWithdraw() {
				final.Final = ErrBudgetExhausted
				return nil, &final
			}
			if err := sleep(ctx, wait); err != nil {
				final.Final = err
				return nil, &final
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

// pickOther asks b for an endpoint not yet tried, a few times, and settles
// for a repeat when b keeps offering one (it may have only one instance).
func pickOther(b Balancer, tried []endpoint.Endpoint) (endpoint.Endpoint, error) {
	if a, ok := b.(avoider); ok && len(tried) > 0 {
		return a.endpointAvoiding(tried)
	}
	const picks = 3
	var e endpoint.Endpoint
	var err error
	for range picks {
		e, err = b.Endpoint()
		if err != nil || !seen(e, tried) {
			return e, err
		}
	}
	return e, nil
}

func seen(e endpoint.Endpoint, tried []endpoint.Endpoint) bool {
	for _, t := range tried {
		if sameFunc(e, t) {
			return true
		}
	}
	return false
}

// sameFunc reports whether a and b are the same function value. Go does not
// compare funcs; a func value is a pointer to its closure, and the balancers
// hand out the same closure for an instance until the set changes, so
// comparing those pointers tells instances apart. A false "different" only
// costs a repeat attempt on the same instance, never a wrong answer.
func sameFunc(a, b endpoint.Endpoint) bool {
	return *(*unsafe.Pointer)(unsafe.Pointer(&a)) == *(*unsafe.Pointer)(unsafe.Pointer(&b))
}
