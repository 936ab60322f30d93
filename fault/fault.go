package fault

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync/atomic"
	"time"

	"github.com/endpointkit/kit/endpoint"
)

// Settings says which faults an [Injector] injects. Faults apply in the
// order of the fields: a call first waits out its Latency, then may hang,
// be dropped or fail, in that order, the first that hits ending the call
// (each drawn only when those before it did not hit). The zero Settings
// inject nothing.
type Settings struct {
	// Latency delays calls before they proceed.
	Latency Latency
	// Hang blocks the calls it hits until their context is done and
	// returns the context's error; the endpoint is not called.
	Hang Trigger
	// Drop ends the calls it hits with [ErrDropped].
	Drop Drop
	// Error fails the calls it hits with an [*InjectedError].
	Error Failure
}

// Latency is added delay. A hit call waits Fixed plus a uniform draw from
// [0, Jitter); with TailProbability, that delay is then multiplied by
// TailFactor, for a heavy tail ("1% of calls take 200x as long"). The wait
// ends early, with the context's error, when the call's context is done.
type Latency struct {
	Trigger
	// Fixed is the least delay of a hit call.
	Fixed time.Duration
	// Jitter is the width of the uniform draw added to Fixed. Zero means
	// no jitter.
	Jitter time.Duration
	// TailProbability is the chance in [0, 1] that a hit call's delay is
	// multiplied by TailFactor. Zero means no tail.
	TailProbability float64
	// TailFactor multiplies the delay of calls in the tail; at least 1
	// when TailProbability is set.
	TailFactor float64
}

// Drop ends a call as a lost connection would, with [ErrDropped].
type Drop struct {
	Trigger
	// AfterCall calls the endpoint first and drops its response, as a
	// connection lost before the reply arrived: the dependency did the
	// work, the caller cannot know it. False drops the call before the
	// endpoint sees it.
	AfterCall bool
}

// Failure fails calls with an error of a chosen Outcome.
type Failure struct {
	Trigger
	// Outcome is how the injected error classifies: for instance
	// {Kind: endpoint.Overloaded, Retryable: true} as a 429 would, or
	// {Kind: endpoint.CallerError} as a 400. The zero Outcome means
	// {Kind: endpoint.DependencyFailure, Retryable: true}, as a 503.
	// Success and BusinessError are refused: a business error travels in a
	// response (endpoint.Failer), not as an error.
	Outcome endpoint.Outcome
}

// validate returns a clear error for Settings that cannot be applied.
func (s Settings) validate() error {
	for _, t := range []struct {
		name string
		t    Trigger
	}{{"latency", s.Latency.Trigger}, {"hang", s.Hang}, {"drop", s.Drop.Trigger}, {"error", s.Error.Trigger}} {
		if err := t.t.validate(); err != nil {
			return fmt.Errorf("fault: %s: %w", t.name, err)
		}
	}
	l := s.Latency
	switch {
	case l.Fixed < 0 || l.Jitter < 0:
		return fmt.Errorf("fault: latency: fixed %v and jitter %v must not be negative", l.Fixed, l.Jitter)
	case math.IsNaN(l.TailProbability) || l.TailProbability < 0 || l.TailProbability > 1:
		return fmt.Errorf("fault: latency: tail probability %v is not in [0, 1]", l.TailProbability)
	case l.TailProbability > 0 && !(l.TailFactor >= 1 && !math.IsInf(l.TailFactor, 1)):
		return fmt.Errorf("fault: latency: tail factor %v must be finite and at least 1", l.TailFactor)
	}
	// A fault described but never triggered is a mistake the caller would
	// otherwise find only by its absence.
	switch {
	case !l.active() && (l.Fixed > 0 || l.Jitter > 0):
		return errors.New("fault: latency: a delay is set but no call is hit (set Probability 1 to delay every call)")
	case !s.Error.active() && s.Error.Outcome != (endpoint.Outcome{}):
		return errors.New("fault: error: an outcome is set but no call is hit (set Probability 1 to fail every call)")
	case !s.Drop.active() && s.Drop.AfterCall:
		return errors.New("fault: drop: AfterCall is set but no call is hit")
	}
	switch k := s.Error.Outcome.Kind; k {
	case endpoint.Success, endpoint.CallerError, endpoint.DependencyFailure, endpoint.Overloaded:
	default:
		return fmt.Errorf("fault: error: kind %v cannot be injected as an error", k)
	}
	if s.Error.Outcome.Kind == endpoint.Success && s.Error.Outcome.Retryable {
		return errors.New("fault: error: a retryable outcome needs a kind")
	}
	return nil
}

// state is a set of Settings in force, with the counts and clock origin of
// their triggers and the error they inject made once.
type state struct {
	settings Settings
	start    time.Time
	latency  trigger
	hang     trigger
	drop     trigger
	fail     trigger
	err      *InjectedError
}

// Injector injects the faults of its current Settings into the calls of
// the endpoints it wraps. It is safe for concurrent use; its Settings may
// be replaced at any time while calls flow, each call seeing either the
// old or the new ones whole. The zero Injector is disabled and draws from
// the runtime's random source.
type Injector struct {
	cur atomic.Pointer[state] // nil when disabled
	src source
}

// NewInjector returns an Injector applying s, or an error saying what is
// wrong with s. NewInjector(s, seed) draws from a source of the Injector's
// own seeded with seed: the same seed and Settings give the same faults for
// calls made one after another, so tests and chaos runs are reproducible.
// NewInjector(s) draws from the runtime's source. Values after the first
// seed are ignored.
func NewInjector(s Settings, seed ...int64) (*Injector, error) {
	in := &Injector{}
	if len(seed) > 0 {
		in.src.seeded = true
		in.src.state.Store(uint64(seed[0]))
	}
	if err := in.Set(s); err != nil {
		return nil, err
	}
	return in, nil
}

// Set replaces the Injector's Settings. Counts of [Trigger.Every] and the
// phase of each [Window] start over; the random source does not. Settings
// that inject nothing disable the Injector. Invalid Settings are refused
// with an error and the current ones stay in force.
func (in *Injector) Set(s Settings) error {
	if err := s.validate(); err != nil {
		return err
	}
	if !s.Latency.active() && !s.Hang.active() && !s.Drop.active() && !s.Error.active() {
		in.cur.Store(nil)
		return nil
	}
	o := s.Error.Outcome
	if o.Kind == endpoint.Success {
		o = endpoint.Outcome{Kind: endpoint.DependencyFailure, Retryable: true}
	}
	st := &state{settings: s, start: time.Now(), err: &InjectedError{outcome: o}}
	st.latency.Trigger = s.Latency.Trigger
	st.hang.Trigger = s.Hang
	st.drop.Trigger = s.Drop.Trigger
	st.fail.Trigger = s.Error.Trigger
	in.cur.Store(st)
	return nil
}

// Disable stops all injection; calls pass straight through.
func (in *Injector) Disable() { in.cur.Store(nil) }

// Settings returns the Settings in force; the zero Settings when disabled.
func (in *Injector) Settings() Settings {
	if st := in.cur.Load(); st != nil {
		return st.settings
	}
	return Settings{}
}

// Middleware returns an [endpoint.Middleware] injecting the Injector's
// faults, as its Settings are at each call, into next.
func (in *Injector) Middleware() endpoint.Middleware {
	return func(next endpoint.Endpoint) endpoint.Endpoint {
		return func(ctx context.Context, req any) (any, error) {
			st := in.cur.Load()
			if st == nil {
				return next(ctx, req)
			}
			return in.inject(st, next, ctx, req)
		}
	}
}

// inject makes one call under st.
func (in *Injector) inject(st *state, next endpoint.Endpoint, ctx context.Context, req any) (any, error) {
	if st.latency.hit(&in.src, st.start) {
		if err := wait(ctx, in.delay(&st.settings.Latency)); err != nil {
			return nil, err
		}
	}
	if st.hang.hit(&in.src, st.start) {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	if st.drop.hit(&in.src, st.start) {
		if st.settings.Drop.AfterCall {
			_, _ = next(ctx, req) // the reply is what the drop loses
		}
		return nil, ErrDropped
	}
	if st.fail.hit(&in.src, st.start) {
		return nil, st.err
	}
	return next(ctx, req)
}

// delay draws the delay of one call hit by l.
func (in *Injector) delay(l *Latency) time.Duration {
	d := float64(l.Fixed)
	if l.Jitter > 0 {
		d += in.src.float64() * float64(l.Jitter)
	}
	if l.TailProbability > 0 && in.src.float64() < l.TailProbability {
		d *= l.TailFactor
	}
	if d >= math.MaxInt64 {
		return math.MaxInt64
	}
	return time.Duration(d)
}

// wait blocks for d, or until ctx is done, returning ctx's error then.
func wait(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
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
