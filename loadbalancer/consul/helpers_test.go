package consul_test

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/consul/api"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/loadbalancer"
)

// watcher follows an Instancer's events on a channel of its own.
type watcher struct {
	in     loadbalancer.Instancer
	ch     chan loadbalancer.Event
	events chan loadbalancer.Event
	quit   chan struct{}
	done   chan struct{}
}

// watch subscribes to in until the test ends.
func watch(t *testing.T, in loadbalancer.Instancer) *watcher {
	t.Helper()
	w := &watcher{
		in:     in,
		ch:     make(chan loadbalancer.Event),
		events: make(chan loadbalancer.Event, 1024),
		quit:   make(chan struct{}),
		done:   make(chan struct{}),
	}
	go func() {
		defer close(w.done)
		for {
			select {
			case ev := <-w.ch:
				select {
				case w.events <- ev:
				case <-w.quit:
					return
				}
			case <-w.quit:
				return
			}
		}
	}()
	in.Register(w.ch) // sends the current state: the forwarder is running
	t.Cleanup(w.stop)
	return w
}

func (w *watcher) stop() {
	select {
	case <-w.quit:
		return
	default:
	}
	w.in.Deregister(w.ch) // while the forwarder still receives
	close(w.quit)
	<-w.done
}

// waitFor returns the first event (from the next unread one on) for which
// ok holds, failing the test if none comes within 15s.
func (w *watcher) waitFor(t *testing.T, what string, ok func(loadbalancer.Event) bool) loadbalancer.Event {
	t.Helper()
	timeout := time.NewTimer(15 * time.Second)
	defer timeout.Stop()
	var seen []string
	for {
		select {
		case ev := <-w.events:
			if ok(ev) {
				return ev
			}
			seen = append(seen, fmt.Sprintf("%v", ev))
		case <-timeout.C:
			t.Fatalf("no event with %s within 15s; saw %s", what, strings.Join(seen, ", "))
		}
	}
}

// instances is a predicate: no error, and exactly want (in any order).
func instances(want ...string) func(loadbalancer.Event) bool {
	want = slices.Sorted(slices.Values(want))
	return func(ev loadbalancer.Event) bool {
		return ev.Err == nil && slices.Equal(slices.Sorted(slices.Values(ev.Instances)), want)
	}
}

func register(t *testing.T, c *api.Client, reg *api.AgentServiceRegistration) {
	t.Helper()
	if err := c.Agent().ServiceRegister(reg); err != nil {
		t.Fatalf("register %s: %v", reg.ID, err)
	}
}

func deregister(t *testing.T, c *api.Client, id string) {
	t.Helper()
	if err := c.Agent().ServiceDeregister(id); err != nil {
		t.Fatalf("deregister %s: %v", id, err)
	}
}

func factory(instance string) (endpoint.Endpoint, io.Closer, error) {
	return func(context.Context, any) (any, error) { return instance, nil }, nil, nil
}

// endpoints returns the instances e serves, sorted.
func endpoints(e loadbalancer.Endpointer) []string {
	eps, _ := e.Endpoints()
	var out []string
	for _, ep := range eps {
		r, _ := ep(context.Background(), nil)
		out = append(out, r.(string))
	}
	slices.Sort(out)
	return out
}
