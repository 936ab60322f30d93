// Package loadbalancer turns "the user service" into calls to its
// instances: service discovery finds the instances, a Balancer spreads calls
// over them, and a retry wraps it all. The pieces are Go kit's (package sd and
// sd/lb), under the same names:
//
//	Instancer ──Event──▶ Endpointer ──[]Endpoint──▶ Balancer ──Endpoint──▶ Retry
//
// An [Instancer] watches a registry (see the static, dnssrv, etcd, zk and
// consul subpackages; [FixedInstancer] is a set that never changes) and
// sends [Event]s with the current set of instances.
// [NewEndpointer] follows an Instancer, builds an endpoint for each instance
// with a [Factory], closes those of instances that leave, and keeps serving
// the last good set while the registry fails. A [Balancer] picks one endpoint
// per call: [NewRoundRobin] and [NewRandom] (seeded for reproducible
// picks) as in Go kit, and the load-aware
// [NewP2C] (power of two choices over peak-EWMA latency, as in Finagle and
// Linkerd) and [NewLeastInFlight], which learn from the calls made through
// the endpoints they hand out; [NewWeighted] follows configured weights,
// [NewLatencyWeighted] weights instances by the inverse of their observed
// latency, and
// [NewLocality] keeps calls in the caller's zone until its instances run out
// of headroom.
// [NewOutlierEndpointer] sits between an
// Endpointer and a Balancer and leaves out instances that keep failing.
// [Retry] and [RetryWithCallback] are Go kit's retries; [RetryWith] adds
// jittered backoff, per-attempt timeouts, a shared retry [Budget], a
// classifier, and retries on an instance not tried yet, told apart by name
// (see [RetryWith] and the contract on [Endpointer]). [Hedged] sends a
// backup attempt of an idempotent call ([WithIdempotent]) to another
// instance when the first is slower than a delay (fixed, or a percentile of
// recent latency), within a [Budget] of extra load (5% by default): the
// hedged requests of "The Tail at Scale". RetrySettings.Attempt
// wraps each attempt, as tracing does to give each a span.
//
// # Failures
//
// Outlier ejection and RetryWith read kit's one failure model
// (endpoint.Classify unless their settings' Classifier says otherwise):
// ejection counts only DependencyFailures (a 5xx, Unavailable, a refused
// connection, this hop's own timeout), so callers with tiny deadlines or bad
// requests eject nothing; RetryWith retries an attempt whose Outcome is
// Retryable. Timeouts set here (RetrySettings.Timeout and AttemptTimeout,
// Retry's timeout) are this hop's own, set with endpoint.WithTimeout, so a
// breaker or an ejection inside the retry counts a call they cut short
// against the instance. A Factory that fails is retried after 1s, then
// after waits doubling up to 1m, while discovery lists its instance.
//
// P2C and LatencyWeighted read it too (their settings' Classifier): a
// failed call (Outcome.Failed: a DependencyFailure or an Overloaded
// refusal) sets a failure penalty of 1s of latency on its instance,
// however fast it failed, kept apart from the latency average and fading
// with its own 250ms time constant (FailureDecay), so that a failing
// instance is avoided and probed about every two seconds, and a recovered
// one takes its share again within that time. A call its caller gave up
// on (a canceled context, a hedged call's losing attempt) says only that
// the instance takes at least that long: it may raise the latency
// estimate, never lower it. P2C also forgets an estimate with no sample
// for P2CSettings.ProbeAfter (its 10s Decay by default) and probes the
// instance afresh, so that one slow answer does not keep an instance out
// for longer than that.
//
// # Typical use
//
//	instancer := static.NewInstancer([]string{"10.0.0.1:8080", "10.0.0.2:8080"})
//	endpointer := loadbalancer.NewEndpointer(instancer, factory, logger)
//	defer endpointer.Close()
//	balancer := loadbalancer.NewP2C(loadbalancer.NewOutlierEndpointer(endpointer, loadbalancer.OutlierSettings{}), loadbalancer.P2CSettings{})
//	call := loadbalancer.RetryWith(balancer, loadbalancer.RetrySettings{
//		Timeout:        time.Second,
//		AttemptTimeout: 300 * time.Millisecond,
//		Budget:         budget, // one per client
//	})
//
// # Concurrency
//
// Everything here is safe for concurrent use. Picks read immutable snapshots
// and atomics: no lock, no allocation. The Endpointer from NewEndpointer owns
// one goroutine, stopped by its Close; balancers, the outlier Endpointer and
// the retries start none.
//
// # Time
//
// Types that need the time read it themselves (time.Now, or the monotonic
// clock alone where a duration is all they need); none takes a clock in its
// settings. Where a caller may have the instant already, a method takes it
// explicitly ([Budget.DepositAt] and [Budget.TryWithdrawAt] beside Deposit
// and TryWithdraw). Tests that need time to pass run in a testing/synctest
// bubble, whose fake clock these types read too.
package loadbalancer
