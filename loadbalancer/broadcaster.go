package loadbalancer

import (
	"slices"
	"sync"
)

// Broadcaster is the Instancer half of a discovery source: it remembers the
// latest Event and sends it to every registered channel. Discovery sources
// (see the static, dnssrv and etcd subpackages) embed one and call Update.
//
// A Broadcaster is safe for concurrent use. Its zero value is ready to use
// and holds an empty set of instances. Sends block until each subscriber
// receives, so subscribers must keep receiving until Deregister returns (the
// Endpointer of [NewEndpointer] does).
type Broadcaster struct {
	mu    sync.Mutex // guards state, subs; held while sending, so updates arrive in order
	state Event
	subs  map[chan<- Event]struct{}
}

// Update records ev and sends it to every subscriber. An Event equal to the
// last one (same instances, ignoring order, and no error on either) is
// dropped. Update takes ownership of ev.Instances.
func (b *Broadcaster) Update(ev Event) {
	if ev.Err == nil {
		slices.Sort(ev.Instances)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if ev.Err == nil && b.state.Err == nil && slices.Equal(ev.Instances, b.state.Instances) {
		return
	}
	if ev.Err != nil {
		// Keep the last good set: a subscriber registering now learns of the
		// error, while State still reports what was known before it.
		ev.Instances = b.state.Instances
	}
	b.state = ev
	for ch := range b.subs {
		ch <- ev
	}
}

// State returns the latest Event.
func (b *Broadcaster) State() Event {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.state
}

// Register implements Instancer: it sends the latest Event to ch, then every
// later one until Deregister.
func (b *Broadcaster) Register(ch chan<- Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.subs == nil {
		b.subs = make(map[chan<- Event]struct{})
	}
	b.subs[ch] = struct{}{}
	ch <- b.state
}

// Deregister implements Instancer.
func (b *Broadcaster) Deregister(ch chan<- Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.subs, ch)
}

// Stop implements Instancer; a bare Broadcaster has nothing to stop.
func (b *Broadcaster) Stop() {}
