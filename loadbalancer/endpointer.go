package loadbalancer

import (
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/log"
)

// EndpointerOption configures the Endpointer built by [NewEndpointer].
type EndpointerOption func(*endpointerOptions)

type endpointerOptions struct {
	invalidateOnError bool
	invalidateTimeout time.Duration
}

// InvalidateOnError makes the Endpointer give up its endpoints once discovery
// has reported errors, without a good update in between, for at least
// timeout: Endpoints then returns the error, and the endpoints are closed.
// By default the last good set is served for as long as discovery fails,
// which is usually right: a registry outage should not become an outage of
// every service that uses it.
func InvalidateOnError(timeout time.Duration) EndpointerOption {
	return func(o *endpointerOptions) {
		o.invalidateOnError = true
		o.invalidateTimeout = timeout
	}
}

// DefaultEndpointer is the Endpointer built by [NewEndpointer]. It is safe for
// concurrent use; Endpoints and Targets never block and do not allocate.
type DefaultEndpointer struct {
	instancer Instancer
	factory   Factory
	logger    log.Logger
	opts      endpointerOptions

	ch        chan Event
	quit      chan struct{}
	done      chan struct{}
	closeOnce sync.Once

	snap atomic.Pointer[snapshot]

	// Owned by the run goroutine (and by Close after it ends).
	live      map[string]liveEndpoint
	failed    map[string]*factoryRetry // wanted instances whose Factory failed
	errSince  time.Time                // when the current run of errors began; zero when healthy
	lastError error
}

// factoryRetry is when to call the Factory again for an instance it failed
// for, and how many times it failed in a row.
type factoryRetry struct {
	failures int
	at       time.Time
}

// Factory retries back off from factoryRetryBase, doubling up to
// factoryRetryMax: a Factory that fails for a moment (a name that does not
// resolve yet, a TLS file being rotated) is retried within a second, one
// that keeps failing costs a log line a minute.
const (
	factoryRetryBase = time.Second
	factoryRetryMax  = time.Minute
)

// factoryBackoff returns the wait after the n-th failure in a row (n >= 1).
func factoryBackoff(n int) time.Duration {
	if n > 7 { // 2^6 s already passes the cap
		return factoryRetryMax
	}
	return min(factoryRetryBase<<(n-1), factoryRetryMax)
}

type liveEndpoint struct {
	e      endpoint.Endpoint
	closer io.Closer
}

// snapshot is immutable once published.
type snapshot struct {
	endpoints []endpoint.Endpoint
	targets   []Target
	err       error
}

// NewEndpointer returns an Endpointer that follows instancer, building an
// endpoint with factory for each instance that appears and closing it when
// the instance leaves. Factory errors are logged to logger and the instance
// is left out until a retry succeeds: the Factory is called again for it
// after 1s, then after waits doubling up to 1m, for as long as discovery
// lists it. While discovery reports errors, the last good set is kept (see
// [InvalidateOnError]).
//
// It registers with instancer and starts a goroutine; Close deregisters,
// stops the goroutine and closes every endpoint. The first snapshot is in
// place when NewEndpointer returns, if instancer sent its state during
// Register (as the Instancers of kit do).
//
// An endpoint handed out before its instance left may be closed while a
// caller still uses it; the call then fails with the transport's error,
// which a retry handles.
func NewEndpointer(instancer Instancer, factory Factory, logger log.Logger, options ...EndpointerOption) *DefaultEndpointer {
	if logger == nil {
		logger = log.NewNopLogger()
	}
	e := &DefaultEndpointer{
		instancer: instancer,
		factory:   factory,
		logger:    logger,
		ch:        make(chan Event, 1),
		quit:      make(chan struct{}),
		done:      make(chan struct{}),
		live:      make(map[string]liveEndpoint),
		failed:    make(map[string]*factoryRetry),
	}
	for _, o := range options {
		o(&e.opts)
	}
	e.snap.Store(&snapshot{})
	// Register sends the current state at once; the buffer of one holds it,
	// so handle it here and the first snapshot is ready before we return.
	// An Instancer that sends later is not waited for: the goroutine picks
	// its first Event up, and until then Endpoints returns an empty set.
	instancer.Register(e.ch)
	select {
	case ev := <-e.ch:
		e.apply(ev)
	default:
	}
	go e.run()
	return e
}

func (e *DefaultEndpointer) run() {
	defer close(e.done)
	var timer *time.Timer
	var expire <-chan time.Time
	retry := time.NewTimer(time.Hour)
	defer retry.Stop()
	for {
		retryC := e.armRetry(retry)
		select {
		case <-retryC:
			e.retryFactory()
		case ev := <-e.ch:
			e.apply(ev)
			if timer != nil {
				timer.Stop()
				timer, expire = nil, nil
			}
			if e.opts.invalidateOnError && !e.errSince.IsZero() && e.snap.Load().err == nil {
				wait := e.opts.invalidateTimeout - time.Since(e.errSince)
				timer = time.NewTimer(max(wait, 0))
				expire = timer.C
			}
		case <-expire:
			timer, expire = nil, nil
			e.invalidateIfDue()
		case <-e.quit:
			if timer != nil {
				timer.Stop()
			}
			return
		}
	}
}

// armRetry sets t to fire at the earliest Factory retry due and returns its
// channel, or stops it and returns nil when none is. Called only by the run
// goroutine.
func (e *DefaultEndpointer) armRetry(t *time.Timer) <-chan time.Time {
	var next time.Time
	for _, r := range e.failed {
		if next.IsZero() || r.at.Before(next) {
			next = r.at
		}
	}
	if next.IsZero() {
		t.Stop()
		return nil
	}
	t.Reset(max(time.Until(next), 0))
	return t.C
}

// retryFactory calls the Factory again for the instances whose retry is due,
// and publishes the set if any of them now has an endpoint. Called only by
// the run goroutine.
func (e *DefaultEndpointer) retryFactory() {
	now := time.Now()
	changed := false
	for inst, r := range e.failed {
		if now.Before(r.at) {
			continue
		}
		if e.build(inst) {
			changed = true
		}
	}
	if changed {
		e.publish()
	}
}

// build calls the Factory for inst. On success the endpoint is live and
// build reports true; on failure the error is logged and a retry scheduled.
// Called only by the run goroutine (or NewEndpointer before it starts).
func (e *DefaultEndpointer) build(inst string) bool {
	ep, closer, err := e.factory(inst)
	if err != nil {
		r := e.failed[inst]
		if r == nil {
			r = new(factoryRetry)
			e.failed[inst] = r
		}
		r.failures++
		wait := factoryBackoff(r.failures)
		r.at = time.Now().Add(wait)
		e.logger.Log("component", "loadbalancer", "instance", inst, "err", err, "retry_in", wait)
		return false
	}
	delete(e.failed, inst)
	e.live[inst] = liveEndpoint{e: ep, closer: closer}
	return true
}

// apply handles one Event; called only by the run goroutine (or NewEndpointer
// before it starts).
func (e *DefaultEndpointer) apply(ev Event) {
	if ev.Err != nil {
		e.logger.Log("component", "loadbalancer", "err", ev.Err)
		if e.errSince.IsZero() {
			e.errSince = time.Now()
		}
		e.lastError = ev.Err
		e.invalidateIfDue()
		return
	}
	e.errSince, e.lastError = time.Time{}, nil

	want := make(map[string]bool, len(ev.Instances))
	for _, inst := range ev.Instances {
		want[inst] = true
	}
	// Endpoints that left are closed only after the set without them is
	// published: closed while still published, one could be picked in
	// between, and its closed client would dial the instance again.
	var gone []io.Closer
	for inst, le := range e.live {
		if !want[inst] {
			gone = append(gone, le.closer)
			delete(e.live, inst)
		}
	}
	defer func() {
		for _, c := range gone {
			closeQuietly(c)
		}
	}()
	for inst := range e.failed {
		if !want[inst] {
			delete(e.failed, inst)
		}
	}
	now := time.Now()
	for inst := range want {
		if _, ok := e.live[inst]; ok {
			continue
		}
		// An instance in backoff waits for its timer, so that a registry
		// that repeats its set does not drive the Factory faster.
		if r := e.failed[inst]; r != nil && now.Before(r.at) {
			continue
		}
		e.build(inst)
	}
	e.publish()
}

// invalidateIfDue drops every endpoint when errors have lasted for the
// InvalidateOnError timeout. Called only by the run goroutine.
func (e *DefaultEndpointer) invalidateIfDue() {
	if !e.opts.invalidateOnError || e.errSince.IsZero() {
		return
	}
	if time.Since(e.errSince) < e.opts.invalidateTimeout {
		return
	}
	e.snap.Store(&snapshot{err: e.lastError}) // before closing, as in apply
	for inst, le := range e.live {
		closeQuietly(le.closer)
		delete(e.live, inst)
	}
	clear(e.failed)
}

// publish stores a new snapshot of e.live, sorted by instance so that the
// order is stable across updates.
func (e *DefaultEndpointer) publish() {
	targets := make([]Target, 0, len(e.live))
	for inst, le := range e.live {
		targets = append(targets, Target{Instance: inst, Endpoint: le.e})
	}
	slices.SortFunc(targets, func(a, b Target) int {
		switch {
		case a.Instance < b.Instance:
			return -1
		case a.Instance > b.Instance:
			return 1
		}
		return 0
	})
	eps := make([]endpoint.Endpoint, len(targets))
	for i, t := range targets {
		eps[i] = t.Endpoint
	}
	e.snap.Store(&snapshot{endpoints: eps, targets: targets})
}

func closeQuietly(c io.Closer) {
	if c != nil {
		c.Close()
	}
}

// Endpoints implements Endpointer. It returns the current snapshot, or the
// discovery error once [InvalidateOnError] has given the endpoints up.
func (e *DefaultEndpointer) Endpoints() ([]endpoint.Endpoint, error) {
	s := e.snap.Load()
	return s.endpoints, s.err
}

// Targets implements TargetEndpointer.
func (e *DefaultEndpointer) Targets() ([]Target, error) {
	s := e.snap.Load()
	return s.targets, s.err
}

// Close deregisters from the Instancer, stops the goroutine and closes every
// endpoint. It does not stop the Instancer, which may have other users. Close
// is idempotent; after it, Endpoints returns an empty set.
func (e *DefaultEndpointer) Close() error {
	e.closeOnce.Do(func() {
		// Deregister while run still drains e.ch: an Instancer that is
		// sending to us holds its lock until we receive.
		e.instancer.Deregister(e.ch)
		close(e.quit)
		<-e.done
		e.snap.Store(&snapshot{}) // before closing, as in apply
		for inst, le := range e.live {
			closeQuietly(le.closer)
			delete(e.live, inst)
		}
	})
	return nil
}
