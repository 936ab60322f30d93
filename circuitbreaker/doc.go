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
// Every breaker asks kit's one [endpoint.Classifier] what a call says about
// the dependency; [endpoint.Classify] unless [BreakerClassifier] says
// otherwise, so that breakers, outlier ejection, retries and adaptive
// limits agree. A Success or a BusinessError (a response that implements
// endpoint.Failer) counts as a success; a DependencyFailure (a 5xx, gRPC
// Unavailable, a connection error, this hop's own timeout set with
// endpoint.Timeout or endpoint.WithTimeout) or an Overloaded refusal as a
// failure; a CallerError (a 4xx or InvalidArgument from kit's transport
// clients, the caller's own cancellation or deadline) not at all. A burst
// of bad requests or of tiny deadlines must not cut everyone off a healthy
// backend that a breaker guards for all its callers.
//
// A breaker's own refusal, [ErrOpen], classifies as a retryable Overloaded
// refusal: a retry may try another instance, and a server that returns it
// answers 429 or ResourceExhausted.
//
// # Observing
//
// [BreakerStateChange] installs a hook called on every state change, outside
// any lock, and [BreakerStateGauge] a metrics.Gauge that holds the numeric
// [State]. A rejected call returns an error for which errors.Is(err,
// [ErrOpen]) holds.
//
// # Use
//
//	b := circuitbreaker.NewBreaker(circuitbreaker.Settings{}, // sensible defaults
//		circuitbreaker.BreakerStateGauge(stateGauge))
//	e = b.Middleware(e)
//
// Time: the middlewares read time.Now; the explicit-instant methods
// (AllowAt, DoneAt, State, RejectProbability) take the instant from their
// caller, as x/time/rate's AllowN(t, n) does. There is no clock option:
// tests drive time with explicit instants or run in a testing/synctest
// bubble, whose fake clock the middlewares read too.
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
