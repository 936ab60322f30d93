package loadbalancer

import (
	"errors"
	"io"

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

// Balancer picks one endpoint for one call. Implementations must be safe for
// concurrent use.
type Balancer interface {
	Endpoint() (endpoint.Endpoint, error)
}

// BalancerFunc adapts a function to a Balancer.
type BalancerFunc func() (endpoint.Endpoint, error)

// Endpoint implements Balancer by calling f.
func (f BalancerFunc) Endpoint() (endpoint.Endpoint, error) { return f() }
