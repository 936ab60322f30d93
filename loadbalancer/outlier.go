package loadbalancer

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/endpointkit/kit/endpoint"
)

// OutlierSettings configures outlier ejection. The zero value is ready to use.
type OutlierSettings struct {
	// ConsecutiveFailures ejects an instance after this many failures in a
	// row. Zero means 5; negative disables it.
	ConsecutiveFailures int
	// FailureRate ejects an instance whose share of failed calls within one
	// Window reaches this fraction, once it has seen MinRequests calls in
	// that window. Zero means 0.5; negative disables it.
	FailureRate float64
	// MinRequests is the number of calls in a Window below which FailureRate
	// does not apply. Zero means 10.
	MinRequests int
	// Window is the period over which FailureRate is measured. Zero means 10s.
	Window time.Duration
	// BaseEjection is how long a first ejection lasts; the n-th ejection in a
	// row lasts n times as long, up to MaxEjection. Zero means 30s, as in
	// Envoy and gRPC (A50).
	BaseEjection time.Duration
	// MaxEjection caps an ejection's length. Zero means 5m.
	MaxEjection time.Duration
	// MaxEjectedFraction bounds the share of instances ejected at once: an
	// instance that fails while the bound is reached stays in. At least one
	// of two or more instances can always be ejected. Zero means 0.1, as in
	// Envoy and gRPC (A50): ejection is for the odd bad instance, and when
	// many fail at once the fault is more likely shared (a dependency of
	// theirs, the network) and ejecting them would only pile their load on
	// the rest.
	MaxEjectedFraction float64
	// PanicThreshold: when fewer than this fraction of the instances are
	// left in (say discovery removed healthy ones while others were
	// ejected), the ejections are ignored and every instance is served, as
	// sending some traffic to a doubtful instance beats failing it all.
	// Zero means 0.5; negative disables it.
	PanicThreshold float64
	// Classifier classifies each call with kit's failure model. Nil means
	// endpoint.Classify. Only a DependencyFailure counts against an
	// instance: a CallerError (a bad request, the caller's own deadline or
	// cancellation, however short) says nothing about the instance, and an
	// Overloaded refusal (429, ResourceExhausted, a limiter's or breaker's
	// refusal) comes from an instance alive enough to shed load, which
	// ejecting would pile onto the others. Neither counts as a success
	// either: they leave an instance's record as it was.
	Classifier endpoint.Classifier
}

func (s OutlierSettings) withDefaults() OutlierSettings {
	if s.ConsecutiveFailures == 0 {
		s.ConsecutiveFailures = 5
	}
	if s.FailureRate == 0 {
		s.FailureRate = 0.5
	}
	if s.MinRequests <= 0 {
		s.MinRequests = 10
	}
	if s.Window <= 0 {
		s.Window = 10 * time.Second
	}
	if s.BaseEjection <= 0 {
		s.BaseEjection = 30 * time.Second
	}
	if s.MaxEjection <= 0 {
		s.MaxEjection = 5 * time.Minute
	}
	if s.MaxEjectedFraction <= 0 {
		s.MaxEjectedFraction = 0.1
	}
	if s.PanicThreshold == 0 {
		s.PanicThreshold = 0.5
	}
	return s
}

// OutlierEndpointer is an Endpointer that leaves out instances that fail:
// after ConsecutiveFailures failures in a row, or a FailureRate within a
// Window. An ejected instance comes back after its ejection time on
// probation: its first call decides whether it stays (success) or is ejected
// again for longer (failure). It sits between an Endpointer and a Balancer,
// so it works with every balancer, and learns from the calls made through the
// endpoints it hands out. What counts as a failure is kit's failure model
// (see [OutlierSettings.Classifier]): callers with tiny deadlines or bad
// requests cannot eject a healthy instance.
//
// It keeps each instance's record under its name when the Endpointer names
// its instances (a [TargetEndpointer], as the Endpointer of [NewEndpointer]),
// so records follow instances across discovery updates. A plain Endpointer
// gives no names: records are then kept by position while its slice stays
// the same, and start afresh when it changes, since a record kept by
// position would pass an ejection to whichever instance moved into it.
//
// It is safe for concurrent use. Endpoints takes no lock unless the set
// changed or an ejection is due to end; it starts no goroutine.
type OutlierEndpointer struct {
	src source
	s   OutlierSettings

	classify endpoint.Classifier
	custom   bool // classify is not endpoint.Classify

	snap     atomic.Pointer[outlierSnapshot]
	reentry  atomic.Int64 // earliest end of an ejection, Unix nanoseconds; 0 if none
	dirty    atomic.Bool  // an ejection happened since the last rebuild
	mu       sync.Mutex   // guards rebuilds and byName
	byName   map[string]*health
	ejecting sync.Mutex // guards ejection decisions (the ejected count)
}

type outlierSnapshot struct {
	from      endpointSet // the source's set it was built from (see sameSet)
	all       []*health
	endpoints []endpoint.Endpoint
	targets   []Target
}

// health is one instance's record.
type health struct {
	mu           sync.Mutex // guards the fields below
	consecutive  int
	windowStart  time.Time
	calls, fails int
	ejections    int       // ejections in a row, for the backoff
	ejectedUntil time.Time // zero when in
	probation    bool
}

// NewOutlierEndpointer returns an OutlierEndpointer over src.
func NewOutlierEndpointer(src Endpointer, settings OutlierSettings) *OutlierEndpointer {
	o := &OutlierEndpointer{src: newSource(src), s: settings.withDefaults(), byName: map[string]*health{}}
	o.classify, o.custom = o.s.Classifier, o.s.Classifier != nil
	if !o.custom {
		o.classify = endpoint.Classify
	}
	o.snap.Store(&outlierSnapshot{})
	return o
}

// Endpoints implements Endpointer.
func (o *OutlierEndpointer) Endpoints() ([]endpoint.Endpoint, error) {
	s, err := o.current()
	if err != nil {
		return nil, err
	}
	return s.endpoints, nil
}

// Targets implements TargetEndpointer.
func (o *OutlierEndpointer) Targets() ([]Target, error) {
	s, err := o.current()
	if err != nil {
		return nil, err
	}
	return s.targets, nil
}

func (o *OutlierEndpointer) current() (*outlierSnapshot, error) {
	// The two branches of source.read spelled out, which saves a call on
	// every read (see source.read).
	s := o.snap.Load()
	var ts []Target
	var eps []endpoint.Endpoint
	var same bool
	if o.src.tsrc != nil {
		var err error
		if ts, err = o.src.tsrc.Targets(); err != nil {
			return nil, err
		}
		same = sameSet(ts, s.from.targets)
	} else {
		var err error
		if eps, err = o.src.src.Endpoints(); err != nil {
			return nil, err
		}
		same = sameSet(eps, s.from.endpoints)
	}
	if same && !o.dirty.Load() {
		r := o.reentry.Load()
		if r == 0 || time.Now().UnixNano() < r {
			return s, nil
		}
	}
	return o.rebuild(endpointSet{targets: ts, endpoints: eps, named: o.src.tsrc != nil}), nil
}

// rebuild publishes a new snapshot of the instances that are in.
func (o *OutlierEndpointer) rebuild(set endpointSet) *outlierSnapshot {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.dirty.Store(false)
	byName := o.byName
	if !set.named && !set.same(o.snap.Load().from) {
		// Unnamed instances are named by position, and their records
		// start afresh when the set changes: the instance at a position
		// may not be the one that was there. (A rebuild of the same set,
		// after an ejection or at the end of one, keeps them.)
		byName = nil
	}
	ts := make([]Target, set.len())
	for i := range ts {
		ts[i] = set.target(i)
		if !set.named {
			ts[i].Instance = "#" + ts[i].Instance
		}
	}
	now := time.Now()
	s := &outlierSnapshot{from: set}
	next := map[string]*health{}
	var in []Target
	var all []Target
	var reentry int64
	for _, tg := range ts {
		h := byName[tg.Instance]
		if h == nil {
			h = &health{windowStart: now}
		}
		next[tg.Instance] = h
		wrapped := Target{Instance: tg.Instance, Endpoint: o.instrument(h, tg.Endpoint)}
		all = append(all, wrapped)
		s.all = append(s.all, h)
		h.mu.Lock()
		if !h.ejectedUntil.IsZero() && !now.Before(h.ejectedUntil) {
			h.ejectedUntil = time.Time{}
			h.probation = true
			h.consecutive = 0
			h.calls, h.fails, h.windowStart = 0, 0, now
		}
		ejected := !h.ejectedUntil.IsZero()
		if ejected && (reentry == 0 || h.ejectedUntil.UnixNano() < reentry) {
			reentry = h.ejectedUntil.UnixNano()
		}
		h.mu.Unlock()
		if !ejected {
			in = append(in, wrapped)
		}
	}
	o.byName = next
	if o.s.PanicThreshold > 0 && float64(len(in)) < o.s.PanicThreshold*float64(len(ts)) {
		in = all
	}
	s.targets = in
	s.endpoints = make([]endpoint.Endpoint, len(in))
	for i, t := range in {
		s.endpoints[i] = t.Endpoint
	}
	o.reentry.Store(reentry)
	o.snap.Store(s)
	return s
}

func (o *OutlierEndpointer) instrument(h *health, next endpoint.Endpoint) endpoint.Endpoint {
	return func(ctx context.Context, req any) (any, error) {
		resp, err := next(ctx, req)
		if err == nil && !o.custom {
			// endpoint.Classify calls a nil error a Success or a
			// BusinessError: the instance answered.
			o.record(h, false)
			return resp, nil
		}
		switch c := o.classify(ctx, resp, err); c.Kind {
		case endpoint.DependencyFailure:
			o.record(h, true)
		case endpoint.Success, endpoint.BusinessError:
			o.record(h, false)
		}
		return resp, err
	}
}

// record counts one call's outcome and ejects the instance if it must.
func (o *OutlierEndpointer) record(h *health, failed bool) {
	now := time.Now()
	h.mu.Lock()
	if !h.ejectedUntil.IsZero() {
		h.mu.Unlock() // a call that started before the ejection
		return
	}
	if now.Sub(h.windowStart) >= o.s.Window {
		h.windowStart, h.calls, h.fails = now, 0, 0
	}
	h.calls++
	eject := false
	if failed {
		h.fails++
		h.consecutive++
		eject = h.probation ||
			(o.s.ConsecutiveFailures > 0 && h.consecutive >= o.s.ConsecutiveFailures) ||
			(o.s.FailureRate > 0 && h.calls >= o.s.MinRequests && float64(h.fails) >= o.s.FailureRate*float64(h.calls))
	} else {
		h.consecutive = 0
		if h.probation {
			h.probation = false
			h.ejections = 0
		}
	}
	h.mu.Unlock()
	if eject {
		o.eject(h, now)
	}
}

func (o *OutlierEndpointer) eject(h *health, now time.Time) {
	o.ejecting.Lock()
	defer o.ejecting.Unlock()
	// Calls failing at once all decide to eject before the first of them
	// gets here: the first ejects, the others find it done. Counting each
	// would make a first ejection last several times BaseEjection.
	h.mu.Lock()
	already := !h.ejectedUntil.IsZero()
	h.mu.Unlock()
	if already {
		return
	}
	s := o.snap.Load()
	ejected := 0
	for _, other := range s.all {
		if other == h {
			continue
		}
		other.mu.Lock()
		if !other.ejectedUntil.IsZero() {
			ejected++
		}
		other.mu.Unlock()
	}
	limit := int(o.s.MaxEjectedFraction * float64(len(s.all)))
	if len(s.all) >= 2 {
		limit = max(limit, 1)
	}
	if ejected+1 > limit {
		return
	}
	h.mu.Lock()
	h.ejections++
	d := min(time.Duration(h.ejections)*o.s.BaseEjection, o.s.MaxEjection)
	h.ejectedUntil = now.Add(d)
	h.probation = false
	h.consecutive, h.calls, h.fails = 0, 0, 0
	h.mu.Unlock()
	o.dirty.Store(true)
}

// Ejected returns the instances ejected now, for monitoring.
func (o *OutlierEndpointer) Ejected() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []string
	for name, h := range o.byName {
		h.mu.Lock()
		if !h.ejectedUntil.IsZero() {
			out = append(out, name)
		}
		h.mu.Unlock()
	}
	slices.Sort(out)
	return out
}
