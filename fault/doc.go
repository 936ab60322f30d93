// Package fault injects faults into endpoints on purpose: added latency
// (fixed, jittered, or with a heavy tail), errors of a chosen kind of kit's
// failure model, hangs and dropped calls, each by probability or by
// schedule. It is for proving that the rest of a service's stack (retries,
// budgets, breakers, limits, balancers, timeouts) copes with a slow or
// failing dependency, in tests and in chaos runs against running processes.
//
// An [Injector] holds the current [Settings] and is switched at run time
// with [Injector.Set] and [Injector.Disable] while calls flow; a disabled
// Injector costs one atomic load per call and allocates nothing. Built with
// a seed, an Injector draws from a source of its own, so the same seed
// gives the same faults for calls made one after another.
//
// [Injector.Middleware] is an [endpoint.Middleware] and composes like any
// other with [endpoint.Chain]. On a server, place it innermost, next to the
// service, to make this instance look slow or failing to its callers; on a
// client, place it under the retry and the balancer, around the transport's
// endpoint, so that each attempt sees the fault as a call to a dependency
// would:
//
//	e = endpoint.Chain(
//		timeout, breaker, // ...
//		injector.Middleware(),
//	)(e)
//
// [Injector.Handler] is the same Injector as a func(http.Handler)
// http.Handler, for an HTTP server as a whole.
//
// Injected errors implement [endpoint.Classified], so [endpoint.Classify]
// and every kit middleware that reads it see the Outcome the Settings chose
// ([Failure]). A dropped call returns [ErrDropped], a retryable
// DependencyFailure as a lost connection classifies. A hang blocks until
// the call's context is done and returns its error, which classifies as the
// caller's (CallerError) or, when the context was ended by this hop's own
// timeout ([endpoint.Timeout]), as a DependencyFailure.
//
// The package imports only the standard library and kit's endpoint.
package fault
