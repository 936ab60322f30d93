package loadbalancer_test

import (
	"context"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/loadbalancer"
)

// gate makes calls report their instance on started and then, while shut,
// block until release is closed.
type gate struct {
	mu      sync.Mutex // guards shut
	shut    bool
	started chan string
	release chan struct{}
}

func (g *gate) blocking() bool { g.mu.Lock(); defer g.mu.Unlock(); return g.shut }
func (g *gate) close()         { g.mu.Lock(); g.shut = true; g.mu.Unlock() }

// zoned builds an Endpointer over instances named "zone/name".
func zoned(t *testing.T, names ...string) (*loadbalancer.DefaultEndpointer, *gate) {
	t.Helper()
	g := &gate{started: make(chan string, 100), release: make(chan struct{})}
	var b loadbalancer.Broadcaster
	b.Update(loadbalancer.Event{Instances: names})
	e := loadbalancer.NewEndpointer(&b, func(inst string) (endpoint.Endpoint, io.Closer, error) {
		return func(context.Context, any) (any, error) {
			if g.blocking() {
				g.started <- inst
				<-g.release
			}
			return inst, nil
		}, nil, nil
	}, nil)
	t.Cleanup(func() { e.Close() })
	return e, g
}

func zoneOf(instance string) string { z, _, _ := strings.Cut(instance, "/"); return z }

func TestLocalityStaysLocal(t *testing.T) {
	e, _ := zoned(t, "a/1", "a/2", "b/1", "b/2")
	b := loadbalancer.NewLocality(e, loadbalancer.LocalitySettings{Zone: zoneOf, Local: "a"})
	for range 200 {
		ep, _ := b.Endpoint()
		if got := call(t, ep); zoneOf(got) != "a" {
			t.Fatalf("idle local zone: picked %s, want zone a", got)
		}
	}
}

func TestLocalityWithoutLocalInstances(t *testing.T) {
	e, _ := zoned(t, "b/1", "c/1")
	b := loadbalancer.NewLocality(e, loadbalancer.LocalitySettings{Zone: zoneOf, Local: "a"})
	ep, err := b.Endpoint()
	if err != nil {
		t.Fatalf("Endpoint() with no local instance: %v, want a remote one", err)
	}
	if got := zoneOf(call(t, ep)); got == "a" {
		t.Errorf("picked zone %s, want a remote zone", got)
	}
}

func TestLocalitySpillsOverByHeadroom(t *testing.T) {
	// One local instance with a headroom of 2 calls, two remote ones. Calls
	// are held in flight; each pick goes where the headroom is:
	//   local 0,1 in flight: below headroom, stay local      -> a a
	//   local 2 per instance, remote 0, .5, 1, 1.5: spill     -> b b b b
	//   remote 2 per instance, not less busy than local 2     -> a
	e, g := zoned(t, "a/1", "b/1", "b/2")
	b := loadbalancer.NewLocality(e, loadbalancer.LocalitySettings{Zone: zoneOf, Local: "a", Headroom: 2})
	g.close()
	var wg sync.WaitGroup
	var got []string
	for range 7 {
		ep, err := b.Endpoint()
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() { defer wg.Done(); ep(context.Background(), nil) }()
		got = append(got, zoneOf(<-g.started)) // the call is in flight now
	}
	close(g.release)
	wg.Wait()
	if s := strings.Join(got, " "); s != "a a b b b b a" {
		t.Errorf("zones of 7 held calls = %s, want a a b b b b a", s)
	}
}
