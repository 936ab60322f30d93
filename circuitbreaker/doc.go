// Package circuitbreaker provides endpoint middlewares that stop a failing
// dependency from taking its callers down with it: they fail fast while it
// is unhealthy and let traffic back as it recovers.
//
// Three breakers are provided:
//
//   - [Breaker], a native breaker that opens on the ratio of failed or slow
//     calls over a rolling window with a minimum volume, stays open for a
//     while, then lets a few probes through. It detects a partly failing
//     dependency in tens of calls, where a breaker counting consecutive
//     failures may need thousands.
//   - [Throttle], adaptive client-side throttling from Google's SRE book:
//     no states to tune, it drops a share of requests that follows the
//     share the backend rejects.
//   - [Gobreaker], Go kit's adapter over github.com/sony/gobreaker/v2.
//
// # Outcomes
//
// Every breaker asks one [Classifier] what a call says about the
// dependency. [DefaultClassify] does not count business errors (responses
// that implement endpoint.Failer), client errors, or the caller's own
// cancellation as failures: a burst of bad requests or impatient callers
// must not cut everyone off a healthy backend.
//
// # Observing
//
// [WithStateChange] installs a hook called on every state change, outside
// any lock, and [WithStateGauge] a metrics.Gauge that holds the numeric
// [State]. A rejected call returns an error for which errors.Is(err,
// [ErrOpen]) holds.
//
// # Use
//
//	b := circuitbreaker.NewBreaker(circuitbreaker.Settings{}, // sensible defaults
//		circuitbreaker.WithStateGauge(stateGauge))
//	e = b.Middleware(e)
//
// Time comes from [WithClock] in the middlewares and from explicit instants
// in the AllowAt/DoneAt methods, so tests need no sleeps.
//
// # Concurrency
//
// Breakers and the middlewares they return are safe for concurrent use; one
// breaker may guard several Endpoints that share a dependency.
//
// # Dependencies
//
// The package imports github.com/sony/gobreaker/v2 for [Gobreaker] (a small
// module without dependencies of its own), kit's endpoint and metrics, and
// the standard library.
package circuitbreaker
