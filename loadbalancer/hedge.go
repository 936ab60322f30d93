package loadbalancer

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/endpointkit/kit/endpoint"
)

// HedgeSettings configures [Hedged]. The zero value is ready to use: a backup
// attempt after the 98th percentile of recent latency, at most 5% extra
// attempts, and only for calls marked with [WithIdempotent].
type HedgeSettings struct {
	// Delay is how long the first attempt may take before a backup attempt
	// is sent. Zero means a percentile of recent latency (Percentile).
	Delay time.Duration
	// Percentile, used when Delay is zero, is the quantile in (0, 1) of
	// the latencies of recent successful attempts after which a backup is
	// sent. Zero means 0.98. Until MinSamples latencies have been seen,
	// no backup is sent. Choose it so that 1-Percentile, plus the share of
	// calls in the tail, stays under MaxExtra: when more calls are slower
	// than the delay than the budget allows, the budget decides which get a
	// backup, first come first served, and calls in the tail go without.
	// (With 0.95 and a 5% budget, the 5% of ordinary calls just past the
	// 95th percentile use up the budget before the 1% in a 200x tail do:
	// p99.9 stays in the tail. 0.98 leaves room for a tail of up to 3%.)
	Percentile float64
	// MinDelay is a floor on the delay taken from Percentile. Zero means
	// none.
	MinDelay time.Duration
	// Window is how many recent latencies Percentile is taken from. Zero
	// means 1000.
	Window int
	// MinSamples is how many latencies must be seen before a Percentile
	// delay applies. Zero means 20.
	MinSamples int
	// MaxExtra is the most extra load backups may add, as a share of
	// calls: 0.05 allows one backup per 20 calls over the budget's window
	// (10s). Zero means 0.05. Used only when Budget is nil.
	MaxExtra float64
	// Budget, when set, must allow each backup; each hedgeable call
	// deposits in it. Nil means a Budget of the Hedged endpoint's own, of
	// Ratio MaxExtra and no floor. A Budget shared with [RetryWith] makes
	// retries and backups draw from one allowance; as each of the two
	// deposits for every call, its Ratio then bounds each of them, and
	// their sum by twice the Ratio. Separate budgets bound the sum of
	// extra load by the sum of their Ratios.
	Budget *Budget
	// AllIdempotent hedges every call. False hedges only the calls whose
	// context is marked with [WithIdempotent]; the others make one
	// attempt, as the Balancer's endpoint would alone.
	AllIdempotent bool
	// OnBackup, when set, is called on the caller's goroutine, with the
	// call's context, each time a backup attempt is sent, with the name of
	// its instance (empty when the Balancer cannot name its picks): for an
	// event on the caller's trace span, or a metric of backups. Each
	// attempt is a call of its own to an endpoint from the Balancer, so a
	// tracing middleware on those endpoints (the Factory's) shows each
	// attempt as its own span; the loser's ends canceled.
	OnBackup func(ctx context.Context, instance string)
	// Classifier classifies each failed attempt, with its own context.
	// Nil means endpoint.Classify. A failure that is not Retryable ends
	// the call at once with that failure (a 4xx says the same from any
	// instance); a Retryable one before the delay sends the backup at
	// once, budget permitting.
	Classifier endpoint.Classifier
}

func (s HedgeSettings) withDefaults() HedgeSettings {
	if s.Percentile <= 0 || s.Percentile >= 1 {
		s.Percentile = 0.98
	}
	if s.Window <= 0 {
		s.Window = 1000
	}
	if s.MinSamples <= 0 {
		s.MinSamples = 20
	}
	s.MinSamples = min(s.MinSamples, s.Window)
	if s.MaxExtra <= 0 {
		s.MaxExtra = 0.05
	}
	if s.Budget == nil {
		s.Budget = NewBudget(BudgetSettings{Ratio: s.MaxExtra, MinPerSecond: -1})
	}
	if s.Classifier == nil {
		s.Classifier = endpoint.Classify
	}
	return s
}

type idempotentKey struct{}

// WithIdempotent marks the calls made with the returned context as
// idempotent: safe to send twice, so that [Hedged] may send a backup
// attempt. Mark only calls whose repetition does no harm (reads, puts of a
// whole value, calls carrying an idempotency key).
func WithIdempotent(ctx context.Context) context.Context {
	return context.WithValue(ctx, idempotentKey{}, true)
}

// IsIdempotent reports whether ctx was marked with [WithIdempotent].
func IsIdempotent(ctx context.Context) bool {
	v, _ := ctx.Value(idempotentKey{}).(bool)
	return v
}

// Hedged returns an Endpoint that sends each idempotent call to an
// endpoint from b and, when that first attempt has not answered after the
// settings' delay, sends a backup attempt to a different instance (by name,
// as [RetryWith] avoids instances it tried), while the Budget allows. The
// first success wins and the other attempt's context is canceled; its
// response, when it comes, is dropped. This is "hedged requests" of "The
// Tail at Scale": a few percent extra load cuts the latency tail that one
// slow instance or one slow call causes. A backup is never sent to the
// instance of the first attempt: with a single instance, or a Balancer
// whose only pick is the same named instance, calls are not hedged. A
// [BalancerFunc] cannot name its picks, and its backup is a fresh pick that
// may land on the same instance.
//
// When a hedged call fails (both attempts failed, or one failed in a way
// that is not Retryable, or the caller's context was done first, which
// cancels the attempts) it returns a *RetryError holding the attempts'
// errors. A call that makes a single attempt (not idempotent, or in
// percentile mode before MinSamples latencies) returns the Balancer's or
// the endpoint's error as it is.
//
// Each attempt of a hedged call runs on a goroutine of its own; an attempt
// that lost keeps its goroutine until its endpoint returns, which endpoints
// must do when their context is done. Calls not marked idempotent (see
// HedgeSettings.AllIdempotent) run on the caller's goroutine, as b's
// endpoint alone. The Endpoint is safe for concurrent use.
//
// Hedged is not a retry: when both attempts fail it does not try a third.
// To retry as well, wrap its Endpoint in a retrying middleware of your own,
// or use [RetryWith] over the same Balancer for the calls that are not
// idempotent; HedgeSettings.Budget says how a shared Budget bounds both.
func Hedged(b Balancer, settings HedgeSettings) endpoint.Endpoint {
	h := &hedger{b: b, s: settings.withDefaults()}
	if h.s.Delay <= 0 {
		h.lat = &latencyWindow{
			buf: make([]time.Duration, h.s.Window), scratch: make([]time.Duration, h.s.Window),
			q: h.s.Percentile, minSamples: h.s.MinSamples, floor: h.s.MinDelay,
		}
	}
	return h.call
}

type hedger struct {
	b   Balancer
	s   HedgeSettings
	lat *latencyWindow // nil with a fixed Delay
}

// hedgeResult is one attempt's result.
type hedgeResult struct {
	resp      any
	err       error
	retryable bool
}

func (h *hedger) delay() time.Duration {
	if h.lat == nil {
		return h.s.Delay
	}
	return time.Duration(h.lat.delay.Load())
}

func (h *hedger) call(ctx context.Context, req any) (any, error) {
	if !h.s.AllIdempotent && !IsIdempotent(ctx) {
		tg, err := pickUntried(h.b, nil)
		if err != nil {
			return nil, err
		}
		return h.timed(ctx, tg.Endpoint, req)
	}
	h.s.Budget.Deposit()
	first, err := pickUntried(h.b, nil)
	if err != nil {
		return nil, err
	}
	delay := h.delay()
	if delay <= 0 { // no latency known yet
		return h.timed(ctx, first.Endpoint, req)
	}

	results := make(chan hedgeResult, 2) // buffered: a loser never blocks
	ctx1, cancel1 := context.WithCancel(ctx)
	defer cancel1()
	go h.attempt(ctx1, first.Endpoint, req, results)
	inFlight := 1

	var cancel2 context.CancelFunc = func() {}
	defer func() { cancel2() }()
	sent := false
	sendBackup := func() {
		sent = true
		var tried []string
		if first.Instance != "" {
			tried = []string{first.Instance}
		}
		tg, err := pickUntried(h.b, tried)
		if err != nil || (tg.Instance != "" && tg.Instance == first.Instance) {
			return // no other instance to send a backup to
		}
		if !h.s.Budget.TryWithdraw() {
			return
		}
		if h.s.OnBackup != nil {
			h.s.OnBackup(ctx, tg.Instance)
		}
		var ctx2 context.Context
		ctx2, cancel2 = context.WithCancel(ctx)
		go h.attempt(ctx2, tg.Endpoint, req, results)
		inFlight++
	}

	timer := time.NewTimer(delay)
	defer timer.Stop()
	var raws []error
	for {
		select {
		case r := <-results:
			inFlight--
			if r.err == nil {
				return r.resp, nil
			}
			raws = append(raws, r.err)
			if ctx.Err() != nil {
				return nil, &RetryError{RawErrors: raws, Final: ctx.Err()}
			}
			if !r.retryable {
				return nil, &RetryError{RawErrors: raws, Final: r.err}
			}
			if !sent {
				sendBackup() // the first failed before the delay
			}
			if inFlight == 0 {
				return nil, &RetryError{RawErrors: raws, Final: r.err}
			}
		case <-timer.C:
			if !sent {
				sendBackup()
			}
		case <-ctx.Done():
			return nil, &RetryError{RawErrors: raws, Final: ctx.Err()}
		}
	}
}

// attempt makes one attempt, records its latency when it succeeds, and
// sends its result, classified with its own context before that is
// canceled.
func (h *hedger) attempt(ctx context.Context, e endpoint.Endpoint, req any, results chan<- hedgeResult) {
	resp, err := h.timed(ctx, e, req)
	r := hedgeResult{resp: resp, err: err}
	if err != nil {
		r.retryable = h.s.Classifier(ctx, resp, err).Retryable
	}
	results <- r
}

// timed calls e and records its latency when it succeeds.
func (h *hedger) timed(ctx context.Context, e endpoint.Endpoint, req any) (any, error) {
	if h.lat == nil {
		return e(ctx, req)
	}
	began := time.Now()
	resp, err := e(ctx, req)
	if err == nil {
		h.lat.record(time.Since(began))
	}
	return resp, err
}

// latencyWindow keeps the latest latencies in a ring and the chosen
// quantile of them, recomputed every recomputeEvery samples so that a call
// pays an atomic load for it, and a sample a short critical section.
type latencyWindow struct {
	delay atomic.Int64 // the current quantile, in nanoseconds; 0 until minSamples

	mu         sync.Mutex
	buf        []time.Duration
	scratch    []time.Duration
	n          int // samples recorded in all
	q          float64
	minSamples int
	floor      time.Duration
}

const recomputeEvery = 16

func (w *latencyWindow) record(d time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf[w.n%len(w.buf)] = d
	w.n++
	if w.n < w.minSamples || (w.n != w.minSamples && w.n%recomputeEvery != 0) {
		return
	}
	k := min(w.n, len(w.buf))
	s := w.scratch[:k]
	copy(s, w.buf[:k])
	slices.Sort(s)
	v := s[min(k-1, int(w.q*float64(k)))]
	w.delay.Store(int64(max(v, w.floor, 1)))
}
