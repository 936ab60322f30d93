package loadbalancer

import (
	"errors"
	"io"
	"strconv"

	"github.com/endpointkit/kit/endpoint"
)

// ErrNoEndpoints is returned by a Balancer when it has no endpoint to offer:
// discovery found no instance, or every instance was invalidated.
var ErrNoEndpoints = errors.New("loadbalancer: no endpoints available")

// Event is what an Instancer tells its subscribers: the complete current set
// of instances (each usually "host:port"), or an error from the registry.
// An Event with a non-nil Err says nothing about Instances; subscribers keep
// what they had (see [InvalidateOnError]).
type Event struct {
	Instances []string
	Err       error
}

// Instancer watches a service discovery system and tells every registered
// channel about the current set of instances. Register sends the current
// state to ch at once, then every change. Implementations must be safe for
// concurrent use; subscribers must keep receiving from ch until Deregister
// returns, and must not modify the Instances slices they receive.
type Instancer interface {
	Register(ch chan<- Event)
	Deregister(ch chan<- Event)
	Stop()
}

// Factory turns an instance string into an Endpoint that calls it. The
// returned io.Closer (which may be nil) is closed when the instance leaves.
type Factory func(instance string) (endpoint.Endpoint, io.Closer, error)

// Endpointer is a source of endpoints: a snapshot of every usable endpoint,
// refreshed by discovery. Endpoints must be safe for concurrent use, must not
// block on discovery, and callers must not modify the slice it returns.
//
// A set is published once: an implementation returns the same slice (the
// same first element, the same length) for as long as its set stays the
// same, and a new slice when the set changes; it never modifies a slice it
// has returned. The balancers and the outlier Endpointer of this package
// rely on it to rebuild what they derive from the set (weight tables,
// per-instance records) only when the set changed, comparing the slice they
// get with the one they built from, in one place (sameSet). An Endpointer
// that builds a new slice on every call is still correct, but makes them
// rebuild on every pick, and the load-aware ones then learn nothing unless
// it names its instances (see [TargetEndpointer]); one that reused a
// returned slice's array for another set of the same length would make them
// serve what they learned of the old set. The same holds for Targets. The
// Endpointers of this package ([FixedEndpointer], the Endpointer of
// [NewEndpointer], [OutlierEndpointer]) keep this contract.
type Endpointer interface {
	Endpoints() ([]endpoint.Endpoint, error)
}

// EndpointerFunc adapts a function to an Endpointer.
type EndpointerFunc func() ([]endpoint.Endpoint, error)

// Endpoints implements Endpointer by calling f.
func (f EndpointerFunc) Endpoints() ([]endpoint.Endpoint, error) { return f() }

// FixedEndpointer is an Endpointer over a fixed set of endpoints; useful for
// tests and for configuration that never changes. It is safe for concurrent
// use as long as nobody modifies the slice.
type FixedEndpointer []endpoint.Endpoint

// Endpoints implements Endpointer.
func (s FixedEndpointer) Endpoints() ([]endpoint.Endpoint, error) { return s, nil }

// Target is one endpoint together with the instance it calls.
type Target struct {
	Instance string
	Endpoint endpoint.Endpoint
}

// TargetEndpointer is an Endpointer that also names the instance behind each
// endpoint, in the same order as Endpoints. Load-aware balancers and
// [NewOutlierEndpointer] use it to keep what they learned about an instance
// across discovery updates; with a plain Endpointer they start afresh
// whenever the set changes. The Endpointer returned by [NewEndpointer]
// implements it.
type TargetEndpointer interface {
	Endpointer
	Targets() ([]Target, error)
}

// sameSet reports whether a and b are the same published set of an
// Endpointer (see the contract on [Endpointer]): the same length and, when
// not empty, the same first element. Two empty sets are the same.
func sameSet[T any](a, b []T) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

// endpointSet is one read of an Endpointer: its targets when it names its
// instances (a TargetEndpointer), else its bare endpoints.
type endpointSet struct {
	targets   []Target
	endpoints []endpoint.Endpoint
	named     bool // read from a TargetEndpointer: targets holds the set
}

// same reports whether s and o are the same published set.
func (s endpointSet) same(o endpointSet) bool {
	return sameSet(s.targets, o.targets) && sameSet(s.endpoints, o.endpoints)
}

// len returns the number of endpoints in the set.
func (s endpointSet) len() int { return len(s.targets) + len(s.endpoints) }

// target returns the i-th endpoint with its instance name or, in a set
// without names, its position (see positional).
func (s endpointSet) target(i int) Target {
	if s.targets != nil {
		return s.targets[i]
	}
	return Target{Instance: positional(i), Endpoint: s.endpoints[i]}
}

// positional is the name given to the i-th endpoint of an Endpointer that
// does not name its instances: its position, "0", "1"... (strconv.Itoa,
// which does not allocate below 100). Such a name means something only
// within one published set; see [RetryWith] for what that costs a retry.
func positional(i int) string { return strconv.Itoa(i) }

// source reads an Endpointer's current set.
type source struct {
	src  Endpointer
	tsrc TargetEndpointer // src, when it names its instances; else nil
}

func newSource(s Endpointer) source {
	ts, _ := s.(TargetEndpointer)
	return source{src: s, tsrc: ts}
}

// read returns the current set: its targets when src names its instances,
// else its endpoints. It is for the retry path; the pick paths, which
// compare the set with the one they built from on every call, spell the
// same two branches out with sameSet (read is not inlined, and the call
// cost a P2C pick about 70 instructions, 15%).
func (s source) read() (endpointSet, error) {
	if s.tsrc != nil {
		ts, err := s.tsrc.Targets()
		return endpointSet{targets: ts, named: true}, err
	}
	eps, err := s.src.Endpoints()
	return endpointSet{endpoints: eps}, err
}

// Balancer picks one endpoint for one call. Implementations must be safe for
// concurrent use.
type Balancer interface {
	Endpoint() (endpoint.Endpoint, error)
}

// BalancerFunc adapts a function to a Balancer.
type BalancerFunc func() (endpoint.Endpoint, error)

// Endpoint implements Balancer by calling f.
func (f BalancerFunc) Endpoint() (endpoint.Endpoint, error) { return f() }
