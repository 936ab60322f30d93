package roundtrip

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/endpointkit/kit/endpoint"
)

// ResponseError is what the per-instance Endpoint returns for a response
// whose status the Transport's classifier does not call a success (by
// default any status from 400). It carries the response, so that
// middlewares, the retry and outlier ejection see a failure, classified by
// its Outcome, while the Transport can still hand the response of the last
// attempt to the caller: RoundTrip never returns a ResponseError. The
// response's body belongs to the Transport; a middleware must not read or
// keep it.
type ResponseError struct {
	Response *http.Response
	outcome  endpoint.Outcome
}

// Error returns the status, as "roundtrip: response status 503 Service
// Unavailable".
func (e *ResponseError) Error() string {
	s := e.Response.Status
	if s == "" {
		s = strconv.Itoa(e.Response.StatusCode)
	}
	return "roundtrip: response status " + s
}

// StatusCode returns the response's status code.
func (e *ResponseError) StatusCode() int { return e.Response.StatusCode }

// Outcome implements endpoint.Classified: the classifier's verdict on the
// response.
func (e *ResponseError) Outcome() endpoint.Outcome { return e.outcome }

// call is one RoundTrip: the caller's request, and the responses its
// attempts produced that are not settled yet. It is the request every
// Endpoint of the stack receives.
type call struct {
	req       *http.Request
	ctx       context.Context // req's context, with the Transport's Timeout
	hedged    bool            // attempts may run at once; successes are recorded too
	bodyTaken atomic.Bool     // req.Body went to an attempt (or was closed)
	sends     atomic.Int32    // attempts that reached send (see unsent)

	mu     sync.Mutex // guards the fields below
	done   bool       // finish has run: later responses are discarded at once
	held   []held     // responses not returned to the caller, nor discarded yet
	failed *http.Response
	// failed is the latest failed response, the caller's if no attempt
	// follows it.
}

// held is a response an attempt produced, and whether its status failed.
type held struct {
	r      *http.Response
	failed bool
}

// begin is called as an attempt starts: failed responses of earlier
// attempts will not be returned now, so their connections are released.
func (c *call) begin() {
	// Always under the lock: even without hedging, a middleware may run
	// an attempt on a goroutine of its own and give up on it, which then
	// records its response while the next attempt begins.
	c.mu.Lock()
	if c.failed == nil && !c.hedged {
		c.mu.Unlock()
		return
	}
	var drop []*http.Response
	kept := c.held[:0]
	for _, h := range c.held {
		if h.failed {
			drop = append(drop, h.r)
		} else {
			kept = append(kept, h)
		}
	}
	c.held, c.failed = kept, nil
	c.mu.Unlock()
	for _, r := range drop {
		discard(r, true)
	}
}

// record notes a response an attempt produced; failed says whether its
// status is a failure. After finish the response is discarded at once: it
// lost a hedge.
func (c *call) record(r *http.Response, failed bool) {
	c.mu.Lock()
	if c.done {
		c.mu.Unlock()
		discard(r, false)
		return
	}
	if failed {
		c.failed = r
	}
	c.held = append(c.held, held{r: r, failed: failed})
	c.mu.Unlock()
}

// finish settles the call from what the retry (or the single attempt)
// returned: the response to give the caller, every other response
// discarded, and the request body closed if no attempt took it.
func (c *call) finish(out any, err error) (*http.Response, error) {
	var keep *http.Response
	if err == nil {
		keep, _ = out.(*http.Response)
		if keep == nil {
			err = fmt.Errorf("roundtrip: a middleware returned %T, not an *http.Response", out)
		}
	}
	c.mu.Lock()
	if err != nil && c.ctx.Err() == nil {
		// Retries stopped on a failed response (attempts, budget or
		// deadline exhausted, or a status not worth retrying): a
		// RoundTripper returns responses as responses.
		keep = c.failed
	}
	c.done = true
	rest := c.held
	c.held, c.failed = nil, nil
	c.mu.Unlock()
	for _, h := range rest {
		if h.r != keep {
			discard(h.r, h.failed)
		}
	}
	if c.bodyTaken.CompareAndSwap(false, true) {
		closeBody(c.req)
	}
	if keep != nil {
		return keep, nil
	}
	return nil, err
}

// drainLimit is how much of a failed response's body is read before it
// is closed, so that its connection can serve again; a longer body costs
// the connection instead (as net/http's Client does on redirects).
const drainLimit = 4 << 10

// discard releases a response that will not reach the caller: its body is
// drained (up to drainLimit, when drain is set) and closed.
func discard(r *http.Response, drain bool) {
	if drain {
		io.CopyN(io.Discard, r.Body, drainLimit)
	}
	r.Body.Close()
}

// target is where an instance's attempts go: the scheme ("" keeps the
// request's) and host[:port] that replace the request URL's.
type target struct {
	scheme, host string
}

// parseInstance reads an instance as discovery reports it: "host:port" (or
// a bare host), or an absolute URL with scheme http or https and nothing
// after the host but an optional "/".
func parseInstance(instance string) (target, error) {
	if strings.Contains(instance, "://") {
		u, err := url.Parse(instance)
		switch {
		case err != nil:
			return target{}, fmt.Errorf("roundtrip: instance %q: %w", instance, err)
		case u.Scheme != "http" && u.Scheme != "https":
			return target{}, fmt.Errorf("roundtrip: instance %q: scheme must be http or https", instance)
		case u.Host == "":
			return target{}, fmt.Errorf("roundtrip: instance %q: no host", instance)
		case (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.User != nil:
			return target{}, fmt.Errorf("roundtrip: instance %q: only scheme and host may be given", instance)
		}
		return target{scheme: u.Scheme, host: u.Host}, nil
	}
	u, err := url.Parse("//" + instance)
	if err != nil || instance == "" || u.Host != instance {
		return target{}, fmt.Errorf("roundtrip: instance %q is neither host:port nor an http(s) URL", instance)
	}
	return target{host: instance}, nil
}

// factory is the loadbalancer.Factory of a Transport: an instance's
// Endpoint is the attempt timeout, outermost, then the user's per-instance
// middleware, then send.
func (t *Transport) factory(instance string) (endpoint.Endpoint, io.Closer, error) {
	tg, err := parseInstance(instance)
	if err != nil {
		return nil, nil, err
	}
	e := t.send(tg)
	if t.instanceMW != nil {
		e = t.instanceMW(instance)(e)
	}
	if t.attemptTime > 0 {
		e = attemptTimeout(t.attemptTime, e)
	}
	return unsent(e), nil, nil
}

// unsent marks the errors of attempts that sent nothing to the instance:
// a middleware refused it before send (an open breaker, a limiter), or
// the connection could not be made. Such an attempt may be retried
// elsewhere even when the request is not idempotent (see
// Transport.retryUnsent). It counts the sends of the call, so it tells
// only attempts made one at a time apart, which is all it is used for.
func unsent(next endpoint.Endpoint) endpoint.Endpoint {
	return func(ctx context.Context, request any) (any, error) {
		c, ok := request.(*call)
		if !ok {
			return next(ctx, request)
		}
		before := c.sends.Load()
		resp, err := next(ctx, request)
		if err != nil && (c.sends.Load() == before || isDialError(err)) {
			err = &unsentError{err: err}
		}
		return resp, err
	}
}

// unsentError wraps the error of an attempt that sent nothing; it is
// transparent to errors.Is, errors.As and endpoint.Classify.
type unsentError struct{ err error }

func (e *unsentError) Error() string { return e.err.Error() }
func (e *unsentError) Unwrap() error { return e.err }

// isDialError reports whether err says a connection could not be made,
// so that nothing of the request was sent.
func isDialError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// onlyUnsent returns a Classifier that keeps classify's verdict but lets
// only attempts that sent nothing be retried.
func onlyUnsent(classify endpoint.Classifier) endpoint.Classifier {
	return func(ctx context.Context, resp any, err error) endpoint.Outcome {
		o := classify(ctx, resp, err)
		var u *unsentError
		if !errors.As(err, &u) {
			o.Retryable = false
		}
		return o
	}
}

// attemptTimeout bounds one attempt by d (until its response headers; see
// send) as this hop's own timeout: the error of an attempt it cut short
// says so in kit's failure model (a retryable DependencyFailure), so that
// the retry, outlier ejection and P2C outside it, which see the call's
// context rather than the attempt's, count it against the instance.
func attemptTimeout(d time.Duration, next endpoint.Endpoint) endpoint.Endpoint {
	return func(ctx context.Context, req any) (any, error) {
		actx, cancel := endpoint.WithTimeout(ctx, d)
		defer cancel()
		resp, err := next(actx, req)
		if err != nil && ctx.Err() == nil && errors.Is(context.Cause(actx), endpoint.ErrTimeout) {
			err = endpoint.WithOutcome(fmt.Errorf("roundtrip: attempt timed out after %v: %w", d, err),
				endpoint.Outcome{Kind: endpoint.DependencyFailure, Retryable: true})
		}
		return resp, err
	}
}

// errForeignRequest is returned by an instance's Endpoint called with
// something other than the Transport's own request.
var errForeignRequest = errors.New("roundtrip: the Endpoint was called with a request not made by the Transport")

// send returns the innermost Endpoint of an instance: one attempt of the
// call on the base RoundTripper.
//
// The attempt is sent with the context the Endpoint receives until its
// response headers arrive. When that context ends sooner than the call's
// (an attempt timeout, a hedge that lost, a middleware's own timeout), the
// request gets a context of its own that follows it only until the
// headers: after that the response body is read under the call's context
// alone, since every one of those contexts is canceled as soon as the
// Endpoint returns, before the caller reads the body.
func (t *Transport) send(tg target) endpoint.Endpoint {
	return func(ctx context.Context, request any) (any, error) {
		c, ok := request.(*call)
		if !ok {
			return nil, errForeignRequest
		}
		c.sends.Add(1)
		c.begin()
		if ctx.Done() == c.ctx.Done() {
			out, err := c.outgoing(ctx, tg)
			if err != nil {
				return nil, err
			}
			resp, err := t.base.RoundTrip(out)
			if err != nil {
				return nil, err
			}
			return t.settle(c, resp)
		}

		rctx, cancel := context.WithCancelCause(context.WithoutCancel(ctx))
		stop := context.AfterFunc(ctx, func() { cancel(context.Cause(ctx)) })
		out, err := c.outgoing(rctx, tg)
		if err != nil {
			stop()
			cancel(nil)
			return nil, err
		}
		resp, err := t.base.RoundTrip(out)
		if !stop() {
			// ctx ended first: the attempt was abandoned.
			if err == nil {
				discard(resp, false)
				err = context.Cause(ctx)
			}
			return nil, err
		}
		if err != nil {
			cancel(nil)
			return nil, err
		}
		stopCall := context.AfterFunc(c.ctx, func() { cancel(context.Cause(c.ctx)) })
		if resp.StatusCode == http.StatusSwitchingProtocols {
			// An upgraded connection's body is an io.ReadWriteCloser,
			// which a wrapper would hide; it lives until the call's
			// context ends.
			return t.settle(c, resp)
		}
		resp.Body = &body{rc: resp.Body, stop: stopCall, release: func() { cancel(nil) }}
		return t.settle(c, resp)
	}
}

// settle classifies resp: a success is returned as it is, anything else
// as a *ResponseError holding it, and recorded for the call to settle.
func (t *Transport) settle(c *call, resp *http.Response) (any, error) {
	o := t.classify(resp)
	if o.Kind == endpoint.Success || o.Kind == endpoint.BusinessError {
		if c.hedged {
			c.record(resp, false)
		}
		return resp, nil
	}
	c.record(resp, true)
	return nil, &ResponseError{Response: resp, outcome: o}
}

// outgoing returns the request of one attempt: a shallow copy of the
// caller's with ctx, the instance's scheme and host, and a body of its own.
// The Host header follows the instance, unless the caller set req.Host to
// something other than the URL's host.
func (c *call) outgoing(ctx context.Context, tg target) (*http.Request, error) {
	r := c.req
	out := r.WithContext(ctx)
	u := *r.URL
	u.Host = tg.host
	if tg.scheme != "" {
		u.Scheme = tg.scheme
	}
	out.URL = &u
	if r.Host == r.URL.Host {
		out.Host = ""
	}
	if r.Body != nil && r.Body != http.NoBody && !c.bodyTaken.CompareAndSwap(false, true) {
		// The first attempt sends req.Body; the others a copy from
		// GetBody (only replayable requests make more than one).
		if r.GetBody == nil {
			return nil, errors.New("roundtrip: request body already sent and GetBody is nil")
		}
		b, err := r.GetBody()
		if err != nil {
			return nil, fmt.Errorf("roundtrip: GetBody: %w", err)
		}
		out.Body = b
	}
	return out, nil
}

// body wraps a response body whose Close must release more: the contexts
// of an attempt (stop and release) or the Transport's Timeout (release).
type body struct {
	rc      io.ReadCloser
	stop    func() bool // may be nil
	release func()
	once    sync.Once
}

func (b *body) Read(p []byte) (int, error) { return b.rc.Read(p) }

// Close closes the body and releases what it holds.
func (b *body) Close() error {
	err := b.rc.Close()
	b.once.Do(func() {
		if b.stop != nil {
			b.stop()
		}
		b.release()
	})
	return err
}
