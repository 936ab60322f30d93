package addclient_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/examples/addsvc/pkg/addclient"
	"github.com/endpointkit/kit/examples/addsvc/pkg/addendpoint"
	"github.com/endpointkit/kit/examples/addsvc/pkg/addservice"
	"github.com/endpointkit/kit/examples/addsvc/pkg/addtransport"
	"github.com/endpointkit/kit/internal/consultest"
	"github.com/endpointkit/kit/loadbalancer"
	kitconsul "github.com/endpointkit/kit/loadbalancer/consul"
	"github.com/endpointkit/kit/log"
)

// backend is an addsvc HTTP server in process, counting the calls it serves.
type backend struct {
	srv    *httptest.Server
	calls  atomic.Int64
	closed chan struct{} // receives when a client connection closes
}

func startBackend(t *testing.T) *backend {
	t.Helper()
	b := &backend{closed: make(chan struct{}, 1)}
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

// addr is the backend's host:port.
func (b *backend) addr() string { return b.srv.Listener.Addr().String() }

// port is the backend's port.
func (b *backend) port(t *testing.T) int {
	t.Helper()
	_, p, _ := net.SplitHostPort(b.addr())
	n, err := strconv.Atoi(p)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// waitInstances waits until instancer reports exactly want.
func waitInstances(t *testing.T, instancer loadbalancer.Instancer, want ...string) {
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
func sum(t *testing.T, svc addservice.Service, i int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	v, err := svc.Sum(ctx, i, i)
	if err != nil || v != 2*i {
		t.Fatalf("Sum(%d, %d) = %d, %v; want %d", i, i, v, err, 2*i)
	}
}

// driveDiscovery is the end-to-end scenario for a registry: a and b are
// registered; calls through addclient's stack reach both; after leave(b),
// b stops receiving calls while a serves them all.
func driveDiscovery(t *testing.T, instancer loadbalancer.Instancer, a, b *backend, leave func()) {
	t.Helper()
	svc, closer, err := addclient.New(instancer, addclient.Settings{Balancer: "roundrobin"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer closer.Close()
	waitInstances(t, instancer, a.addr(), b.addr())

	// The endpointers follow the same events a moment later: call until
	// both backends have served (bounded, and every answer checked).
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
	waitInstances(t, instancer, a.addr())
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

// TestConsulEndToEnd drives addcli's -consul mode: two addsvc servers
// register with a real Consul agent (through kit's Registrar), and the
// client stack discovers them.
func TestConsulEndToEnd(t *testing.T) {
	agent := consultest.Start(t)
	c := agent.Client(t)
	a, b := startBackend(t), startBackend(t)
	var registrars []*kitconsul.Registrar
	for _, be := range []*backend{a, b} {
		r := kitconsul.NewRegistrar(c, kitconsul.Service{Name: "addsvc-http", Address: "127.0.0.1", Port: be.port(t), Tags: []string{"e2e"}}, nil)
		r.Register()
		defer r.Deregister()
		registrars = append(registrars, r)
	}

	instancer, stop, err := addclient.NewInstancer(addclient.Discovery{
		ConsulService: "addsvc-http", ConsulAddr: agent.Addr(), ConsulTags: []string{"e2e"},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer stop.Close()
	driveDiscovery(t, instancer, a, b, registrars[1].Deregister)
}

func TestNewInstancerNeedsDiscovery(t *testing.T) {
	_, _, err := addclient.NewInstancer(addclient.Discovery{}, nil)
	if err == nil {
		t.Fatal("NewInstancer with no discovery: nil error, want one")
	}
	if want := "no discovery"; !strings.Contains(err.Error(), want) {
		t.Errorf("NewInstancer with no discovery: %v, want it to say %q", err, want)
	}
}
