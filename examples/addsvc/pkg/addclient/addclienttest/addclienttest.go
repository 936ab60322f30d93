// Package addclienttest holds the end-to-end scenario that every discovery
// mode of addclient (and so of addcli) is tested with: addsvc servers in
// process register with a real registry, and addclient's stack of
// discovery, balancer, breaker and retry must reach them all, then stop
// calling one that leaves. Tests of each registry (Consul here, etcd in
// its own module) start the registry and call DriveDiscovery.
package addclienttest

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/examples/addsvc/pkg/addclient"
	"github.com/endpointkit/kit/examples/addsvc/pkg/addendpoint"
	"github.com/endpointkit/kit/examples/addsvc/pkg/addservice"
	"github.com/endpointkit/kit/examples/addsvc/pkg/addtransport"
	"github.com/endpointkit/kit/loadbalancer"
	"github.com/endpointkit/kit/log"
)

// Backend is an addsvc HTTP server in process, on loopback, counting the
// calls it serves. It stops when the test ends.
type Backend struct {
	srv    *httptest.Server
	calls  atomic.Int64
	closed chan struct{} // receives when a client connection closes
}

// StartBackend starts a Backend.
func StartBackend(t testing.TB) *Backend {
	t.Helper()
	b := &Backend{closed: make(chan struct{}, 1)}
	set := addendpoint.New(addservice.New(), log.NewNopLogger()).Wrap(func(string) endpoint.Middleware {
		return func(next endpoint.Endpoint) endpoint.Endpoint {
			return func(ctx context.Context, req any) (any, error) {
				b.calls.Add(1)
				return next(ctx, req)
			}
		}
	})
	b.srv = httptest.NewUnstartedServer(addtransport.NewHTTPHandler(set, log.NewNopLogger()))
	b.srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateClosed {
			select {
			case b.closed <- struct{}{}:
			default:
			}
		}
	}
	b.srv.Start()
	t.Cleanup(b.srv.Close)
	return b
}

// Addr is the backend's host:port.
func (b *Backend) Addr() string { return b.srv.Listener.Addr().String() }

// Port is the backend's port.
func (b *Backend) Port(t testing.TB) int {
	t.Helper()
	_, p, _ := net.SplitHostPort(b.Addr())
	n, err := strconv.Atoi(p)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// waitInstances waits until instancer reports exactly want.
func waitInstances(t testing.TB, instancer loadbalancer.Instancer, want ...string) {
	t.Helper()
	slices.Sort(want)
	ch := make(chan loadbalancer.Event)
	done := make(chan struct{})
	got := make(chan struct{}, 1)
	go func() {
		defer close(done)
		for ev := range ch {
			if ev.Err == nil && slices.Equal(slices.Sorted(slices.Values(ev.Instances)), want) {
				select {
				case got <- struct{}{}:
				default:
				}
			}
		}
	}()
	instancer.Register(ch)
	defer func() {
		instancer.Deregister(ch)
		close(ch) // nobody sends on ch after Deregister
		<-done
	}()
	select {
	case <-got:
	case <-time.After(15 * time.Second):
		t.Fatalf("discovery did not report %v within 15s", want)
	}
}

// sum calls Sum(i, i) and checks the answer.
func sum(t testing.TB, svc addservice.Service, i int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	v, err := svc.Sum(ctx, i, i)
	if err != nil || v != 2*i {
		t.Fatalf("Sum(%d, %d) = %d, %v; want %d", i, i, v, err, 2*i)
	}
}

// DriveDiscovery is the end-to-end scenario for a registry: a and b are
// registered; calls through addclient's stack reach both; after leave(b),
// b stops receiving calls while a serves them all.
func DriveDiscovery(t testing.TB, instancer loadbalancer.Instancer, a, b *Backend, leave func()) {
	t.Helper()
	svc, closer, err := addclient.New(instancer, addclient.Settings{Balancer: "roundrobin"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer closer.Close()
	waitInstances(t, instancer, a.Addr(), b.Addr())

	// The endpointers follow the same events a moment later, on their own
	// goroutines, and addclient offers no signal for it: until the first
	// call finds an endpoint, "no endpoints" is expected (bounded at 5s).
	for deadline := time.Now().Add(5 * time.Second); ; {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, err := svc.Sum(ctx, 0, 0)
		cancel()
		if err == nil {
			break
		}
		if !errors.Is(err, loadbalancer.ErrNoEndpoints) || time.Now().After(deadline) {
			t.Fatalf("first call: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Then call until both backends have served (bounded, and every
	// answer checked).
	i := 0
	for ; a.calls.Load() == 0 || b.calls.Load() == 0; i++ {
		if i == 200 {
			t.Fatalf("after 200 calls: a served %d, b %d; want both to serve", a.calls.Load(), b.calls.Load())
		}
		sum(t, svc, i)
	}

	for len(b.closed) > 0 {
		<-b.closed
	}
	leave()
	waitInstances(t, instancer, a.Addr())
	// The client closes its connections to b when b leaves.
	select {
	case <-b.closed:
	case <-time.After(15 * time.Second):
		t.Fatal("the client kept its connection to b after b left discovery")
	}
	// From then on, b serves nothing: 50 calls in a row all reach a.
	before, beforeA := b.calls.Load(), a.calls.Load()
	for j := range 50 {
		sum(t, svc, i+j)
	}
	if got := b.calls.Load() - before; got != 0 {
		t.Errorf("b served %d calls after it left discovery, want 0", got)
	}
	if got := a.calls.Load() - beforeA; got != 50 {
		t.Errorf("a served %d of 50 calls after b left, want 50", got)
	}
}
