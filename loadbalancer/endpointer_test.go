package loadbalancer_test

import (
	"context"
	"errors"
	"io"
	"slices"
	"sort"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/loadbalancer"
	"github.com/endpointkit/kit/log"
)

// closers records which instances' endpoints were closed.
type closers struct {
	mu     sync.Mutex // guards closed, built
	closed []string
	built  []string
}

type closerFunc func() error

func (f closerFunc) Close() error { return f() }

func (c *closers) factory(instance string) (endpoint.Endpoint, io.Closer, error) {
	if instance == "bad" {
		return nil, nil, errors.New("factory: bad instance")
	}
	c.mu.Lock()
	c.built = append(c.built, instance)
	c.mu.Unlock()
	return named(instance), closerFunc(func() error {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.closed = append(c.closed, instance)
		return nil
	}), nil
}

func (c *closers) Closed() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := slices.Clone(c.closed)
	sort.Strings(out)
	return out
}

func instancesOf(t *testing.T, e loadbalancer.Endpointer) []string {
	t.Helper()
	eps, err := e.Endpoints()
	if err != nil {
		t.Fatalf("Endpoints(): %v", err)
	}
	var out []string
	for _, ep := range eps {
		out = append(out, call(t, ep))
	}
	sort.Strings(out)
	return out
}

// waitFor polls cond for up to two seconds; the Endpointer applies updates on
// its own goroutine.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestEndpointerFollowsInstancer(t *testing.T) {
	var b loadbalancer.Broadcaster
	b.Update(loadbalancer.Event{Instances: []string{"a", "b"}})
	var c closers
	e := loadbalancer.NewEndpointer(&b, c.factory, log.NewNopLogger())
	defer e.Close()

	if got, want := instancesOf(t, e), []string{"a", "b"}; !slices.Equal(got, want) {
		t.Fatalf("after NewEndpointer: instances = %v, want %v", got, want)
	}

	b.Update(loadbalancer.Event{Instances: []string{"b", "c"}})
	waitFor(t, "update to [b c]", func() bool { return slices.Equal(instancesOf(t, e), []string{"b", "c"}) })
	if got, want := c.Closed(), []string{"a"}; !slices.Equal(got, want) {
		t.Errorf("after a leaves: closed = %v, want %v", got, want)
	}

	// Discovery fails: the last good set stays.
	b.Update(loadbalancer.Event{Err: errors.New("registry down")})
	b.Update(loadbalancer.Event{Instances: []string{"b", "c"}}) // a sync point: the error was applied
	if got, want := instancesOf(t, e), []string{"b", "c"}; !slices.Equal(got, want) {
		t.Errorf("after a discovery error: instances = %v, want the last good %v", got, want)
	}

	// Targets names the instances in the same order as Endpoints.
	ts, _ := e.Targets()
	for _, tg := range ts {
		if got := call(t, tg.Endpoint); got != tg.Instance {
			t.Errorf("Targets(): instance %q calls %q", tg.Instance, got)
		}
	}

	e.Close()
	if got, want := c.Closed(), []string{"a", "b", "c"}; !slices.Equal(got, want) {
		t.Errorf("after Close: closed = %v, want %v", got, want)
	}
	if eps, _ := e.Endpoints(); len(eps) != 0 {
		t.Errorf("after Close: %d endpoints, want 0", len(eps))
	}
	e.Close() // idempotent
}

func TestEndpointerSkipsFactoryErrors(t *testing.T) {
	var logged []any
	var mu sync.Mutex
	logger := log.LoggerFunc(func(kv ...any) error {
		mu.Lock()
		defer mu.Unlock()
		logged = append(logged, kv...)
		return nil
	})
	var b loadbalancer.Broadcaster
	b.Update(loadbalancer.Event{Instances: []string{"a", "bad"}})
	var c closers
	e := loadbalancer.NewEndpointer(&b, c.factory, logger)
	defer e.Close()
	if got, want := instancesOf(t, e), []string{"a"}; !slices.Equal(got, want) {
		t.Errorf("instances = %v, want %v (bad skipped)", got, want)
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Contains(logged, any("bad")) {
		t.Errorf("log = %v, want a line naming instance bad", logged)
	}
}

func TestEndpointerInvalidateOnError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var b loadbalancer.Broadcaster
		b.Update(loadbalancer.Event{Instances: []string{"a"}})
		var c closers
		e := loadbalancer.NewEndpointer(&b, c.factory, nil, loadbalancer.InvalidateOnError(time.Minute))
		defer e.Close()

		down := errors.New("registry down")
		b.Update(loadbalancer.Event{Err: down})
		time.Sleep(59 * time.Second)
		synctest.Wait()
		if eps, err := e.Endpoints(); err != nil || len(eps) != 1 {
			t.Fatalf("59s into the outage: Endpoints() = %d, %v; want the last good set", len(eps), err)
		}
		time.Sleep(2 * time.Second)
		synctest.Wait()
		if _, err := e.Endpoints(); !errors.Is(err, down) {
			t.Fatalf("61s into the outage: Endpoints() err = %v, want %v", err, down)
		}
		if got := c.Closed(); !slices.Equal(got, []string{"a"}) {
			t.Errorf("after invalidation: closed = %v, want [a]", got)
		}
		if _, err := loadbalancer.NewRoundRobin(e).Endpoint(); !errors.Is(err, down) {
			t.Errorf("balancer over an invalidated Endpointer: err = %v, want %v", err, down)
		}

		// The registry comes back.
		b.Update(loadbalancer.Event{Instances: []string{"a", "b"}})
		synctest.Wait()
		if eps, err := e.Endpoints(); err != nil || len(eps) != 2 {
			t.Errorf("after recovery: Endpoints() = %d, %v; want 2, nil", len(eps), err)
		}
	})
}

func TestEndpointerErrorThenRecoveryBeforeTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var b loadbalancer.Broadcaster
		b.Update(loadbalancer.Event{Instances: []string{"a"}})
		var c closers
		e := loadbalancer.NewEndpointer(&b, c.factory, nil, loadbalancer.InvalidateOnError(time.Minute))
		defer e.Close()
		b.Update(loadbalancer.Event{Err: errors.New("blip")})
		time.Sleep(30 * time.Second)
		b.Update(loadbalancer.Event{Instances: []string{"a"}})
		time.Sleep(5 * time.Minute)
		synctest.Wait()
		if eps, err := e.Endpoints(); err != nil || len(eps) != 1 {
			t.Errorf("after a 30s blip: Endpoints() = %d, %v; want 1, nil", len(eps), err)
		}
	})
}

func TestEndpointerDoesNotBlockCallers(t *testing.T) {
	// A factory that blocks (say, dialling a dead host) must not block
	// Endpoints: callers keep the previous snapshot.
	release := make(chan struct{})
	var b loadbalancer.Broadcaster
	b.Update(loadbalancer.Event{Instances: []string{"a"}})
	factory := func(instance string) (endpoint.Endpoint, io.Closer, error) {
		if instance == "slow" {
			<-release
		}
		return named(instance), nil, nil
	}
	e := loadbalancer.NewEndpointer(&b, factory, nil)
	defer e.Close()
	go b.Update(loadbalancer.Event{Instances: []string{"a", "slow"}})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 100 {
			e.Endpoints()
		}
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Endpoints() blocked while the factory was busy")
	}
	close(release)
	waitFor(t, "slow to join", func() bool { eps, _ := e.Endpoints(); return len(eps) == 2 })
}

func TestRegisterSendsCurrentState(t *testing.T) {
	var b loadbalancer.Broadcaster
	b.Update(loadbalancer.Event{Instances: []string{"z", "a"}})
	ch := make(chan loadbalancer.Event, 1)
	b.Register(ch)
	defer b.Deregister(ch)
	ev := <-ch
	if !slices.Equal(ev.Instances, []string{"a", "z"}) {
		t.Errorf("Register: got %v, want [a z]", ev.Instances)
	}
	// A repeat of the same set is not sent again.
	b.Update(loadbalancer.Event{Instances: []string{"a", "z"}})
	select {
	case ev := <-ch:
		t.Errorf("Update with the same set sent %v; want nothing", ev)
	default:
	}
	_ = context.Background
}

// lateInstancer sends nothing on Register; its first Event comes later.
type lateInstancer struct {
	ch chan chan<- loadbalancer.Event
}

func (l lateInstancer) Register(ch chan<- loadbalancer.Event) { l.ch <- ch }
func (lateInstancer) Deregister(chan<- loadbalancer.Event)    {}
func (lateInstancer) Stop()                                   {}

func TestEndpointerDoesNotWaitForALateInstancer(t *testing.T) {
	l := lateInstancer{ch: make(chan chan<- loadbalancer.Event, 1)}
	var c closers
	e := loadbalancer.NewEndpointer(l, c.factory, nil)
	defer e.Close()
	if eps, err := e.Endpoints(); err != nil || len(eps) != 0 {
		t.Fatalf("before the first Event: Endpoints() = %d, %v; want none, nil", len(eps), err)
	}
	(<-l.ch) <- loadbalancer.Event{Instances: []string{"a"}}
	waitFor(t, "the late first Event", func() bool { return slices.Equal(instancesOf(t, e), []string{"a"}) })
}

// TestEndpointerUnpublishesBeforeClosing checks that an endpoint is no
// longer handed out when it is closed: when discovery drops an instance,
// when errors outlast InvalidateOnError, and on Close. Closed while still
// published, it could be picked in between, and a transport client closed
// under a caller dials the instance again (addsvc's Consul end-to-end test
// saw a call reach an instance after it left discovery).
func TestEndpointerUnpublishesBeforeClosing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var b loadbalancer.Broadcaster
		b.Update(loadbalancer.Event{Instances: []string{"a", "b", "c"}})
		var e *loadbalancer.DefaultEndpointer
		var mu sync.Mutex
		var stillPublished []string
		factory := func(instance string) (endpoint.Endpoint, io.Closer, error) {
			return named(instance), closerFunc(func() error {
				eps, _ := e.Endpoints()
				for _, ep := range eps {
					if got, _ := ep(context.Background(), nil); got == instance {
						mu.Lock()
						stillPublished = append(stillPublished, instance)
						mu.Unlock()
					}
				}
				return nil
			}), nil
		}
		e = loadbalancer.NewEndpointer(&b, factory, nil, loadbalancer.InvalidateOnError(time.Second))
		synctest.Wait()

		b.Update(loadbalancer.Event{Instances: []string{"b", "c"}}) // a leaves
		synctest.Wait()
		b.Update(loadbalancer.Event{Err: errors.New("registry down")})
		time.Sleep(2 * time.Second)
		b.Update(loadbalancer.Event{Err: errors.New("registry still down")}) // b and c invalidated
		synctest.Wait()
		if eps, _ := e.Endpoints(); len(eps) != 0 {
			t.Fatalf("after InvalidateOnError: %d endpoints, want 0", len(eps))
		}
		b.Update(loadbalancer.Event{Instances: []string{"d"}})
		synctest.Wait()
		e.Close() // d
		mu.Lock()
		defer mu.Unlock()
		if len(stillPublished) != 0 {
			t.Errorf("closed while still handed out: %v", stillPublished)
		}
	})
}
