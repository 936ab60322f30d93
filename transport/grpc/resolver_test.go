package grpc_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/resolver"
	"google.golang.org/grpc/serviceconfig"

	"github.com/endpointkit/kit/loadbalancer"
	"github.com/endpointkit/kit/loadbalancer/static"
	kitgrpc "github.com/endpointkit/kit/transport/grpc"
)

const roundRobin = `{"loadBalancingConfig": [{"round_robin":{}}]}`

func TestResolverRoundRobin(t *testing.T) {
	_, addrA, _ := startNamed(t, "a")
	_, addrB, _ := startNamed(t, "b")
	c, addrC, _ := startNamed(t, "c")
	instancer := static.NewInstancer([]string{addrA, addrB, addrC})
	conn := dialNamed(t, "kit:///named",
		grpc.WithResolvers(kitgrpc.NewResolver("kit", instancer)),
		grpc.WithDefaultServiceConfig(roundRobin))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	call := func() string {
		t.Helper()
		got, err := callDo(ctx, conn, "hello")
		if err != nil {
			t.Fatalf("Do: %v", err)
		}
		return got
	}

	// round_robin picks among the connections that are ready; once all
	// three are, calls go to each in turn.
	seen := map[string]bool{}
	for len(seen) < 3 {
		seen[call()] = true
	}
	counts := map[string]int{}
	for range 30 {
		counts[call()]++
	}
	for _, name := range []string{"a", "b", "c"} {
		if counts[name] != 10 {
			t.Errorf("30 calls over 3 ready instances: %v, want 10 each", counts)
			break
		}
	}

	// An instance that discovery removes stops receiving calls.
	instancer.Set([]string{addrA, addrB})
	for quiet := 0; quiet < 10; { // until c has missed 10 calls in a row
		if call() == "c" {
			quiet = 0
		} else {
			quiet++
		}
	}
	before := c.calls.Load()
	counts = map[string]int{}
	for range 20 {
		counts[call()]++
	}
	if c.calls.Load() != before || counts["a"] != 10 || counts["b"] != 10 {
		t.Errorf("after removing c: %v, c got %d more; want 10 each to a and b", counts, c.calls.Load()-before)
	}
}

// fakeCC records what a resolver tells its ClientConn.
type fakeCC struct {
	resolver.ClientConn // methods the resolver must not call panic (nil)

	mu      sync.Mutex
	states  [][]string
	errs    []error
	changed chan struct{}
}

func newFakeCC() *fakeCC { return &fakeCC{changed: make(chan struct{}, 16)} }

func (f *fakeCC) UpdateState(s resolver.State) error {
	var addrs []string
	for _, a := range s.Addresses {
		addrs = append(addrs, a.Addr)
	}
	if len(s.Endpoints) != len(s.Addresses) {
		panic("endpoints and addresses differ")
	}
	f.mu.Lock()
	f.states = append(f.states, addrs)
	f.mu.Unlock()
	f.changed <- struct{}{}
	return nil
}

func (f *fakeCC) ReportError(err error) {
	f.mu.Lock()
	f.errs = append(f.errs, err)
	f.mu.Unlock()
	f.changed <- struct{}{}
}

func (f *fakeCC) ParseServiceConfig(string) *serviceconfig.ParseResult { return nil }

func (f *fakeCC) wait(t *testing.T) {
	t.Helper()
	select {
	case <-f.changed:
	case <-time.After(5 * time.Second):
		t.Fatal("resolver told the ClientConn nothing within 5s")
	}
}

func TestResolverEvents(t *testing.T) {
	instancer := static.NewInstancer([]string{"10.0.0.2:80", "10.0.0.1:80"})
	r := kitgrpc.NewResolver("kit", instancer)
	if r.Scheme() != "kit" {
		t.Errorf("Scheme() = %q, want kit", r.Scheme())
	}
	cc := newFakeCC()
	res, err := r.Build(resolver.Target{}, cc, resolver.BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cc.wait(t)
	instancer.Set([]string{"10.0.0.3:80"})
	cc.wait(t)
	boom := errors.New("registry down")
	instancer.Fail(boom)
	cc.wait(t)
	res.ResolveNow(resolver.ResolveNowOptions{})
	res.Close()
	res.Close()                            // idempotent
	instancer.Set([]string{"10.0.0.4:80"}) // after Close: not delivered (nor blocking)

	cc.mu.Lock()
	defer cc.mu.Unlock()
	want := [][]string{{"10.0.0.1:80", "10.0.0.2:80"}, {"10.0.0.3:80"}}
	if !slices.EqualFunc(cc.states, want, slices.Equal) {
		t.Errorf("states = %v, want %v", cc.states, want)
	}
	if len(cc.errs) != 1 || !errors.Is(cc.errs[0], boom) {
		t.Errorf("errors reported = %v, want [%v]", cc.errs, boom)
	}
}

func TestResolverFixedInstancer(t *testing.T) {
	cc := newFakeCC()
	res, err := kitgrpc.NewResolver("kit", loadbalancer.FixedInstancer{"10.0.0.1:80"}).Build(resolver.Target{}, cc, resolver.BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cc.wait(t)
	res.Close()
	if _, err := kitgrpc.NewResolver("kit", nil).Build(resolver.Target{}, cc, resolver.BuildOptions{}); err == nil {
		t.Error("Build without an Instancer: err = nil, want an error")
	}
}
