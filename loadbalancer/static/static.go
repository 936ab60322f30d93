package static

import (
	"slices"

	"github.com/endpointkit/kit/loadbalancer"
)

// Instancer is a loadbalancer.Instancer over a list of instances that changes
// only when the program calls Set. It is safe for concurrent use.
type Instancer struct {
	b loadbalancer.Broadcaster
}

// NewInstancer returns an Instancer holding instances (copied).
func NewInstancer(instances []string) *Instancer {
	i := &Instancer{}
	i.Set(instances)
	return i
}

// Set replaces the instances (copied) and tells every subscriber.
func (i *Instancer) Set(instances []string) {
	i.b.Update(loadbalancer.Event{Instances: slices.Clone(instances)})
}

// Fail tells every subscriber that discovery failed with err; they keep
// their last good set (unless they invalidate on errors). For programs that
// learn their instances from somewhere that can fail, and for tests.
func (i *Instancer) Fail(err error) {
	i.b.Update(loadbalancer.Event{Err: err})
}

// Register implements loadbalancer.Instancer.
func (i *Instancer) Register(ch chan<- loadbalancer.Event) { i.b.Register(ch) }

// Deregister implements loadbalancer.Instancer.
func (i *Instancer) Deregister(ch chan<- loadbalancer.Event) { i.b.Deregister(ch) }

// Stop implements loadbalancer.Instancer; there is nothing to stop.
func (i *Instancer) Stop() {}
