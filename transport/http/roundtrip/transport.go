package roundtrip

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/loadbalancer"
	"github.com/endpointkit/kit/log"
)

// Transport is an http.RoundTripper that sends each request to one instance
// of a service found by discovery, through kit's client stack (see the
// package doc). Build one with [NewTransport]; its zero value is not usable.
// It is safe for concurrent use. Close stops it.
type Transport struct {
	base        http.RoundTripper
	ownBase     *http.Transport // base, when NewTransport made it; its idle connections are closed by Close
	endpointer  *loadbalancer.DefaultEndpointer
	outlier     *loadbalancer.OutlierEndpointer // nil when ejection is disabled
	balancer    loadbalancer.Balancer
	retry       endpoint.Endpoint // RetryWith over balancer
	retryUnsent endpoint.Endpoint // RetryWith that retries only attempts that sent nothing
	hedge       endpoint.Endpoint // Hedged over balancer; nil unless TransportHedge
	timeout     time.Duration     // the whole call's, body included; 0 for none
	attemptTime time.Duration     // each attempt's, until its response headers; 0 for none
	classify    func(*http.Response) endpoint.Outcome
	instanceMW  func(instance string) endpoint.Middleware
	badConfig   error // returned by every RoundTrip: NewTransport was given a nil Instancer
	closeOnce   sync.Once
}

// errNoInstancer is returned by every RoundTrip of a Transport built
// without an Instancer.
var errNoInstancer = errors.New("roundtrip: NewTransport was given a nil Instancer")

// TransportOption sets an optional parameter of a [Transport].
type TransportOption func(*config)

type config struct {
	base       http.RoundTripper
	balancer   func(loadbalancer.Endpointer) loadbalancer.Balancer
	retry      loadbalancer.RetrySettings
	hedge      *loadbalancer.HedgeSettings
	outlier    loadbalancer.OutlierSettings
	noOutlier  bool
	instanceMW func(instance string) endpoint.Middleware
	classify   func(*http.Response) endpoint.Outcome
	logger     log.Logger
}

// TransportBase sets the RoundTripper that sends each attempt to its
// instance. By default it is a *http.Transport of the Transport's own (see
// [NewBaseTransport]), whose idle connections Close closes; a base given
// here is the caller's to close.
func TransportBase(rt http.RoundTripper) TransportOption {
	return func(c *config) { c.base = rt }
}

// TransportBalancer sets how a Balancer is built over the instances (after
// outlier ejection), for example loadbalancer.NewRoundRobin (wrapped to
// return a Balancer). By default it is loadbalancer.NewP2C with its default
// settings. A Balancer of this package's own (loadbalancer's constructors)
// names its picks, so that a retry avoids the instances it tried.
func TransportBalancer(build func(loadbalancer.Endpointer) loadbalancer.Balancer) TransportOption {
	return func(c *config) { c.balancer = build }
}

// TransportRetry sets how idempotent, replayable requests are retried, as
// for loadbalancer.RetryWith, with two differences that keep response
// bodies readable after RoundTrip returns: Timeout bounds the whole call
// including the reading of the response body (as http.Client.Timeout
// does), and AttemptTimeout bounds each attempt until its response headers
// arrive. A nil Budget means a Budget of the Transport's own
// (loadbalancer.NewBudget with its defaults: retries add at most 20% to the
// load), not none; requests with a replayable body deposit into it. By
// default the settings are the zero value with that Budget: three
// attempts, jittered backoff from 10ms.
func TransportRetry(s loadbalancer.RetrySettings) TransportOption {
	return func(c *config) { c.retry = s }
}

// TransportHedge makes idempotent, replayable requests hedged rather than
// retried: a backup attempt goes to another instance when the first has
// not answered after a delay (loadbalancer.Hedged). Every request sent
// there is idempotent already, so s.AllIdempotent is implied. Hedged
// requests are not retried beyond their two attempts; requests that are not
// idempotent make one attempt either way. TransportRetry's Timeout and
// AttemptTimeout still apply.
func TransportHedge(s loadbalancer.HedgeSettings) TransportOption {
	return func(c *config) {
		s.AllIdempotent = true
		c.hedge = &s
	}
}

// TransportOutlier sets the settings of outlier ejection
// (loadbalancer.NewOutlierEndpointer), which is on by default with the zero
// settings: an instance is left out after 5 failures in a row or a failure
// rate of 50% over 10s, for 30s at first. Only DependencyFailures count: a
// 5xx, a connection error, an attempt's own timeout; never a 4xx.
func TransportOutlier(s loadbalancer.OutlierSettings) TransportOption {
	return func(c *config) { c.outlier, c.noOutlier = s, false }
}

// TransportNoOutlier turns outlier ejection off.
func TransportNoOutlier() TransportOption {
	return func(c *config) { c.noOutlier = true }
}

// TransportInstanceMiddleware sets a factory of per-instance middleware:
// build is called once for each instance discovery reports (again if it
// leaves and comes back), and its Middleware wraps every attempt sent to
// that instance. It is the place for a circuit breaker per instance:
//
//	roundtrip.TransportInstanceMiddleware(func(string) endpoint.Middleware {
//		return circuitbreaker.NewBreaker(circuitbreaker.Settings{}).Middleware
//	})
//
// The Endpoint it wraps takes the Transport's own request type and returns
// an *http.Response, or a [*ResponseError] for a response whose status is
// not a success (see [TransportClassifier]); middlewares must pass both on
// as they are.
func TransportInstanceMiddleware(build func(instance string) endpoint.Middleware) TransportOption {
	return func(c *config) { c.instanceMW = build }
}

// TransportClassifier sets how a response is classified in kit's failure
// model. A response whose Outcome is not a Success (nor a BusinessError)
// reaches the middlewares as a [*ResponseError] with that Outcome; a
// retryable one is retried. By default it is endpoint.OutcomeOfStatus of
// the status: 5xx and 408 are DependencyFailures, 429 Overloaded (all
// retryable but 501), other 4xx CallerErrors, which are not retried and
// count against no instance.
func TransportClassifier(classify func(*http.Response) endpoint.Outcome) TransportOption {
	return func(c *config) { c.classify = classify }
}

// TransportLogger sets the logger of discovery: instances that cannot be
// parsed, registry errors. By default nothing is logged.
func TransportLogger(l log.Logger) TransportOption {
	return func(c *config) { c.logger = l }
}

// NewBaseTransport returns the *http.Transport a [Transport] uses by
// default: http.DefaultTransport's settings, without a proxy (a proxy would
// pick the connection, not the balancer), and up to 100 idle connections
// per instance, since all of a client's traffic goes to a few hosts.
func NewBaseTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil
	t.MaxIdleConns = 0 // no overall cap; the per-host one applies
	t.MaxIdleConnsPerHost = 100
	return t
}

// NewTransport returns a Transport over the instances instancer reports
// (see the package doc for how an instance is written). It follows
// instancer with a loadbalancer Endpointer, which starts a goroutine:
// Close stops it. Close does not stop instancer, which may have other
// users.
func NewTransport(instancer loadbalancer.Instancer, options ...TransportOption) *Transport {
	c := config{
		balancer: func(e loadbalancer.Endpointer) loadbalancer.Balancer {
			return loadbalancer.NewP2C(e, loadbalancer.P2CSettings{})
		},
		classify: func(r *http.Response) endpoint.Outcome { return endpoint.OutcomeOfStatus(r.StatusCode) },
		logger:   log.NewNopLogger(),
	}
	for _, o := range options {
		o(&c)
	}
	t := &Transport{
		base:        c.base,
		timeout:     c.retry.Timeout,
		attemptTime: c.retry.AttemptTimeout,
		classify:    c.classify,
		instanceMW:  c.instanceMW,
	}
	if t.base == nil {
		t.ownBase = NewBaseTransport()
		t.base = t.ownBase
	}
	if instancer == nil {
		// A wiring mistake; every request reports it rather than the
		// constructor panicking.
		t.badConfig = errNoInstancer
		instancer = loadbalancer.FixedInstancer{}
	}
	// The Factory reads t's fields: they are set before the Endpointer
	// calls it for the first instances.
	t.endpointer = loadbalancer.NewEndpointer(instancer, t.factory, c.logger)
	var src loadbalancer.Endpointer = t.endpointer
	if !c.noOutlier {
		t.outlier = loadbalancer.NewOutlierEndpointer(t.endpointer, c.outlier)
		src = t.outlier
	}
	t.balancer = c.balancer(src)

	rs := c.retry
	// The whole call's timeout and each attempt's are applied here, not by
	// RetryWith, whose contexts end when it returns: the response body is
	// read after that.
	rs.Timeout, rs.AttemptTimeout = 0, 0
	if rs.Budget == nil {
		rs.Budget = loadbalancer.NewBudget(loadbalancer.BudgetSettings{})
	}
	t.retry = loadbalancer.RetryWith(t.balancer, rs)
	ru := rs
	if ru.Classifier == nil {
		ru.Classifier = endpoint.Classify
	}
	ru.Classifier = onlyUnsent(ru.Classifier)
	t.retryUnsent = loadbalancer.RetryWith(t.balancer, ru)
	if c.hedge != nil {
		t.hedge = loadbalancer.Hedged(t.balancer, *c.hedge)
	}
	return t
}

// RoundTrip implements http.RoundTripper: it sends req to an instance,
// retrying or hedging it when it is idempotent and replayable, and
// retrying an attempt that sent nothing of a replayable request that is
// not (see the package doc). A response with a failed status that is the last attempt's
// is returned as a response, not an error; errors are those of the last
// attempt (wrapped in a *loadbalancer.RetryError), or
// loadbalancer.ErrNoEndpoints when discovery has found no instance. req is
// not modified; its body is closed.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.badConfig != nil {
		closeBody(req)
		return nil, t.badConfig
	}
	if req.URL == nil {
		closeBody(req)
		return nil, errors.New("roundtrip: request has no URL")
	}
	ctx := req.Context()
	var cancel context.CancelFunc
	if t.timeout > 0 {
		ctx, cancel = endpoint.WithTimeout(ctx, t.timeout)
	}
	c := &call{req: req, ctx: ctx}
	var out any
	var err error
	switch {
	case !replayable(req):
		out, err = t.once(ctx, c)
	case !idempotent(req):
		out, err = t.retryUnsent(ctx, c)
	case t.hedge != nil:
		c.hedged = true
		out, err = t.hedge(ctx, c)
	default:
		out, err = t.retry(ctx, c)
	}
	resp, err := c.finish(out, err)
	if cancel != nil {
		switch {
		case resp == nil:
			cancel()
		case resp.StatusCode == http.StatusSwitchingProtocols:
			// The upgraded connection (an io.ReadWriteCloser body, which
			// a wrapper would hide) lives until Timeout, whose timer
			// then releases the context.
		default:
			resp.Body = &body{rc: resp.Body, release: cancel}
		}
	}
	return resp, err
}

// once makes a single attempt, through the same balancer and per-instance
// stack as a retried request: for requests whose body cannot be sent
// again.
func (t *Transport) once(ctx context.Context, c *call) (any, error) {
	e, err := t.balancer.Endpoint()
	if err != nil {
		return nil, err
	}
	return e(ctx, c)
}

// Instances returns the instances the Transport balances over now: those
// discovery reports whose address parsed, before outlier ejection.
func (t *Transport) Instances() []string {
	ts, _ := t.endpointer.Targets()
	out := make([]string, len(ts))
	for i, tg := range ts {
		out[i] = tg.Instance
	}
	return out
}

// Ejected returns the instances outlier ejection leaves out now (none when
// it is off).
func (t *Transport) Ejected() []string {
	if t.outlier == nil {
		return nil
	}
	return t.outlier.Ejected()
}

// CloseIdleConnections closes the idle connections of the base
// RoundTripper, when it has such a method; http.Client.CloseIdleConnections
// calls it.
func (t *Transport) CloseIdleConnections() {
	if ci, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		ci.CloseIdleConnections()
	}
}

// Close stops following discovery and, when the base RoundTripper is the
// Transport's own, closes its idle connections. Requests made after Close
// fail with loadbalancer.ErrNoEndpoints. Close is idempotent.
func (t *Transport) Close() error {
	t.closeOnce.Do(func() {
		t.endpointer.Close()
		if t.ownBase != nil {
			t.ownBase.CloseIdleConnections()
		}
	})
	return nil
}

// idempotent reports whether req may be sent more than once: its method
// is idempotent by RFC 9110 (GET, HEAD, OPTIONS, TRACE, PUT, DELETE), it
// carries an Idempotency-Key or X-Idempotency-Key header (as net/http's own
// Transport decides), or its context is marked with
// loadbalancer.WithIdempotent (how a POST is declared safe to repeat).
func idempotent(req *http.Request) bool {
	switch req.Method {
	case "", http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace, http.MethodPut, http.MethodDelete:
		return true
	}
	if _, ok := req.Header["Idempotency-Key"]; ok {
		return true
	}
	if _, ok := req.Header["X-Idempotency-Key"]; ok {
		return true
	}
	return loadbalancer.IsIdempotent(req.Context())
}

// replayable reports whether req's body can be sent again: it has none, or
// GetBody makes a fresh copy.
func replayable(req *http.Request) bool {
	return req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}
