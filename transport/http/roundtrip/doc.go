// Package roundtrip gives an existing http.Client kit's client stack by
// swapping its Transport: a [Transport] is an http.RoundTripper that sends
// each request to one instance of a service found by discovery, with load
// balancing, retries within a budget, outlier ejection and per-instance
// middleware such as a circuit breaker.
//
//	instancer := static.NewInstancer([]string{"10.0.0.1:8080", "10.0.0.2:8080", "10.0.0.3:8080"})
//	rt := roundtrip.NewTransport(instancer,
//		roundtrip.TransportInstanceMiddleware(func(string) endpoint.Middleware {
//			return circuitbreaker.NewBreaker(circuitbreaker.Settings{}).Middleware // one per instance
//		}))
//	defer rt.Close()
//	client := &http.Client{Transport: rt}
//	resp, err := client.Get("http://addsvc/sum?a=1&b=2")
//
// # The stack
//
// It is loadbalancer's, not a second implementation of it:
//
//	Instancer ─▶ Endpointer ─▶ OutlierEndpointer ─▶ Balancer (P2C) ─▶ RetryWith (budget)
//	    ─▶ per attempt: attempt timeout ─▶ your per-instance middleware ─▶ base RoundTripper
//
// Any loadbalancer.Instancer feeds it (static, dnssrv, etcd, consul, zk,
// loadbalancer.FixedInstancer). Each instance is "host:port" (or a bare
// host), which keeps the scheme of the request's URL, or an absolute URL
// "https://host:port" whose scheme replaces it; an instance that is neither
// is logged (see [TransportLogger]) and left out. Requests name the service
// with a logical host, http://addsvc/sum: each attempt is sent to the URL
// with its scheme and host replaced by the chosen instance's, and its Host
// header set to the instance's host, unless the caller set req.Host to
// something other than the URL's host. An https request is verified
// against the instance's host; to verify the service's name instead, set
// TLSClientConfig.ServerName in the base Transport. One Transport serves
// one service: every request it is given goes to that service's
// instances, whatever its host.
//
// # Retries
//
// A request is retried (on another instance where there is one, after a
// jittered backoff, while the retry budget allows and the deadline leaves
// time; see loadbalancer.RetryWith and [TransportRetry]) only when sending
// it twice is safe:
//
//   - its method is idempotent (GET, HEAD, OPTIONS, TRACE, PUT, DELETE), it
//     carries an Idempotency-Key or X-Idempotency-Key header, or its
//     context is marked with loadbalancer.WithIdempotent (how a POST is
//     declared safe to repeat); and
//   - its body can be sent again: it has none, or GetBody (which
//     http.NewRequest sets for in-memory bodies) makes a copy.
//
// A request with a replayable body that is not idempotent (a POST) is
// retried only when its attempt sent nothing: the connection could not be
// made, or a per-instance middleware refused it (an open breaker, a
// limiter). A request whose body cannot be sent again makes one attempt.
// Every attempt goes through the same balancer, ejection and per-instance
// middleware. With [TransportHedge], idempotent requests are hedged instead
// of retried (loadbalancer.Hedged).
//
// # Failures
//
// Responses are classified by kit's one failure model
// (endpoint.OutcomeOfStatus unless [TransportClassifier] says otherwise): a
// 5xx, 408 or 429 is a retryable failure that circuit breakers and outlier
// ejection count; any other 4xx is the caller's error, which is not retried
// and counts against no instance; connection errors and an attempt's own
// timeout are retryable DependencyFailures. Inside the stack a response
// that is not a success travels as a [*ResponseError]; RoundTrip turns it
// back into the response: when retries end on a 503, the caller gets the
// 503 response, not an error, as a RoundTripper must. Errors (a refused
// connection on the last attempt, no instance at all) are returned as
// errors, wrapped in a *loadbalancer.RetryError, which errors.Is and
// errors.As see through.
//
// The response bodies of attempts that are not returned (a 503 followed by
// a retry, the loser of a hedge) are drained (up to 4 KiB, so that the
// connection can be reused) and closed. RoundTrip does not modify the
// caller's request, and closes its body, as http.RoundTripper requires.
//
// # Time
//
// A request's context bounds everything. TransportRetry's Timeout bounds
// the whole call, the reading of the response body included, like
// http.Client.Timeout (which works as well); its AttemptTimeout bounds each
// attempt until its response headers arrive: once an attempt has its
// headers, it is the answer, and its body is bound only by the call's
// context. Contexts that end when an Endpoint returns (an attempt timeout,
// a hedge, endpoint.Timeout in your per-instance middleware) thus never cut
// short a body the caller has yet to read.
//
// # Why a package of its own
//
// The RoundTripper joins transport (net/http's client interface) and
// loadbalancer; neither should import the other's world for it, and a user
// who wants only one of them should not compile both. It imports only the
// standard library and kit's core (endpoint, loadbalancer, log): circuit
// breakers and other middlewares come in through
// [TransportInstanceMiddleware], so that it does not depend on
// circuitbreaker or gobreaker.
//
// # Concurrency
//
// A Transport is safe for concurrent use. It owns one goroutine, the
// Endpointer's that follows discovery, which Close stops; hedged requests
// run their attempts on goroutines of their own that end with the
// attempts.
package roundtrip
