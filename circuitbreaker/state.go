package circuitbreaker

import (
	"context"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/metrics"
	"github.com/endpointkit/kit/metrics/discard"
)

// State is the state of a breaker. Its numeric values are those a state
// gauge reports, and match sony/gobreaker's, so State(cb.State()) converts
// one.
type State int

const (
	// Closed lets every call through (a Throttle: drops none).
	Closed State = 0
	// HalfOpen lets a few probe calls through to test recovery.
	HalfOpen State = 1
	// Open rejects calls (a Throttle: drops some).
	Open State = 2
)

// String returns "closed", "half-open" or "open".
func (s State) String() string {
	switch s {
	case Closed:
		return "closed"
	case HalfOpen:
		return "half-open"
	case Open:
		return "open"
	}
	return "unknown"
}

// MarshalText returns String's text, so that encoding/json and log/slog's
// handlers write a State by its name rather than its number.
func (s State) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Option configures the behaviour and instruments of a breaker: a
// [Breaker], a [Throttle] or the [Gobreaker] middleware.
//
// Options are named after what they configure, as everywhere in kit
// (ServerBefore, ClientFinalizer): one Option type serves all three
// breakers, and "breaker" is this package's word for all of them, so the
// options every breaker reads are named Breaker… ([BreakerClassifier],
// [BreakerStateChange], [BreakerStateGauge]) and the one only a Throttle
// reads is named Throttle… ([ThrottleRandom]).
type Option func(*config)

type config struct {
	classify      endpoint.Classifier
	customClass   bool // classify is not endpoint.Classify
	onStateChange func(from, to State)
	gauge         metrics.Gauge
	random        func() float64
	watchGauge    bool // a gauge was set
}

func newConfig(opts []Option) config {
	c := config{
		classify: endpoint.Classify,
		gauge:    discard.NewGauge(),
	}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// BreakerClassifier sets how call outcomes are classified: kit's one
// [endpoint.Classifier], which a service passes to each of its breakers,
// outlier ejection, retries and adaptive limits alike. By default,
// [endpoint.Classify] is used. A nil c means the default.
func BreakerClassifier(c endpoint.Classifier) Option {
	return func(cfg *config) {
		if c == nil {
			cfg.classify, cfg.customClass = endpoint.Classify, false
			return
		}
		cfg.classify, cfg.customClass = c, true
	}
}

// BreakerStateChange sets a hook called after every state change. It is called
// outside any lock, so it may call back into the breaker, but it runs on the
// goroutine of the call that caused the change: keep it short. Hooks for
// consecutive changes may run concurrently and out of order; the gauge and
// the breaker's State method are the authority on the current state.
func BreakerStateChange(hook func(from, to State)) Option {
	return func(cfg *config) { cfg.onStateChange = hook }
}

// BreakerStateGauge sets a gauge that is set to the numeric [State] on every
// change (0 closed, 1 half-open, 2 open), and to 0 at construction. By
// default, the state is discarded.
func BreakerStateGauge(g metrics.Gauge) Option {
	return func(cfg *config) { cfg.gauge, cfg.watchGauge = g, true }
}

// outcome classifies a call. endpoint.Classify calls every nil error a
// Success or a BusinessError, which breakers both count as successes, so
// with it the hot success path skips the indirect call.
func (c *config) outcome(ctx context.Context, resp any, err error) endpoint.Outcome {
	if err == nil && !c.customClass {
		return endpoint.Outcome{Kind: endpoint.Success}
	}
	return c.classify(ctx, resp, err)
}

// How a breaker counts an [endpoint.Outcome]:
//
//   - a Success or a BusinessError is a success: the dependency answered;
//   - a DependencyFailure or an Overloaded refusal is a failure
//     (Outcome.Failed);
//   - a CallerError counts neither way: a malformed request or an
//     impatient caller says nothing about the dependency, and must not be
//     able to open a breaker that other callers share.
//
// counted reports whether o counts at all; failed, whether it counts as a
// failure.
func counted(o endpoint.Outcome) bool { return o.Kind != endpoint.CallerError }
func failed(o endpoint.Outcome) bool  { return o.Failed() }

// notify reports a state change to the gauge and the hook; callers call it
// after releasing their lock.
func (c *config) notify(from, to State) {
	c.gauge.Set(float64(to))
	if c.onStateChange != nil {
		c.onStateChange(from, to)
	}
}
