package dnssrv_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/internal/testenv"
	"github.com/endpointkit/kit/loadbalancer"
	"github.com/endpointkit/kit/loadbalancer/dnssrv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

const name = "_http._tcp.users.kit.test."

// srvServer is a real DNS server on loopback UDP that answers SRV queries
// for name from records the test changes.
type srvServer struct {
	addr string

	mu      sync.Mutex // guards targets, srv
	targets []string   // "host:port"
	srv     *dns.Server
}

func startServer(t *testing.T, addr string, targets ...string) *srvServer {
	t.Helper()
	s := &srvServer{targets: targets}
	s.start(t, addr)
	t.Cleanup(s.stop)
	return s
}

func (s *srvServer) start(t *testing.T, addr string) {
	t.Helper()
	pc, err := net.ListenPacket("udp", addr)
	if err != nil {
		t.Fatalf("listen udp %s: %v", addr, err)
	}
	s.addr = pc.LocalAddr().String()
	started := make(chan struct{})
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(s.serve), NotifyStartedFunc: func() { close(started) }}
	go srv.ActivateAndServe()
	<-started
	s.mu.Lock()
	s.srv = srv
	s.mu.Unlock()
}

func (s *srvServer) stop() {
	s.mu.Lock()
	srv := s.srv
	s.srv = nil
	s.mu.Unlock()
	if srv != nil {
		srv.Shutdown()
	}
}

func (s *srvServer) set(targets ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.targets = targets
}

func (s *srvServer) serve(w dns.ResponseWriter, r *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(r)
	m.Authoritative = true
	s.mu.Lock()
	targets := slices.Clone(s.targets)
	s.mu.Unlock()
	q := r.Question[0]
	switch {
	case q.Name != name:
		m.Rcode = dns.RcodeNameError
	case q.Qtype == dns.TypeSRV:
		for _, tg := range targets {
			host, port, _ := net.SplitHostPort(tg)
			var p uint16
			fmt.Sscan(port, &p)
			m.Answer = append(m.Answer, &dns.SRV{
				Hdr:    dns.RR_Header{Name: name, Rrtype: dns.TypeSRV, Class: dns.ClassINET, Ttl: 0},
				Target: dns.Fqdn(host), Port: p, Priority: 10, Weight: 10,
			})
		}
	}
	w.WriteMsg(m)
}

// resolver returns a pure-Go resolver that sends every query to s.
func (s *srvServer) resolver() *net.Resolver {
	addr := s.addr // a restarted server listens on the same address
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "udp", addr)
		},
	}
}

func factory(instance string) (endpoint.Endpoint, io.Closer, error) {
	return func(context.Context, any) (any, error) { return instance, nil }, nil, nil
}

func instances(e loadbalancer.Endpointer) []string {
	eps, _ := e.Endpoints()
	var out []string
	for _, ep := range eps {
		r, _ := ep(context.Background(), nil)
		out = append(out, r.(string))
	}
	return out
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func TestInstancerFollowsSRVRecords(t *testing.T) {
	s := startServer(t, "127.0.0.1:0", "a.kit.test:8080", "b.kit.test:8081")
	var mu sync.Mutex
	var errs int
	logger := func(kv ...any) error { mu.Lock(); errs++; mu.Unlock(); return nil }
	in := dnssrv.NewInstancer(name, 20*time.Millisecond, logFunc(logger),
		dnssrv.InstancerResolver(s.resolver()), dnssrv.InstancerLookupTimeout(200*time.Millisecond))
	defer in.Stop()
	e := loadbalancer.NewEndpointer(in, factory, nil)
	defer e.Close()

	// The first lookup happens in NewInstancer.
	if got, want := instances(e), []string{"a.kit.test:8080", "b.kit.test:8081"}; !slices.Equal(got, want) {
		t.Fatalf("initial instances = %v, want %v", got, want)
	}

	// One joins, one leaves.
	s.set("b.kit.test:8081", "c.kit.test:9000")
	waitFor(t, "[b c]", func() bool {
		return slices.Equal(instances(e), []string{"b.kit.test:8081", "c.kit.test:9000"})
	})

	// The DNS server goes away: lookups time out, the last good set stays.
	addr := s.addr
	s.stop()
	waitFor(t, "a logged lookup error", func() bool { mu.Lock(); defer mu.Unlock(); return errs > 0 })
	if got := instances(e); !slices.Equal(got, []string{"b.kit.test:8081", "c.kit.test:9000"}) {
		t.Errorf("while DNS is down: instances = %v, want the last good [b c]", got)
	}

	// It comes back on the same address with new records.
	s.set("d.kit.test:7000")
	s.start(t, addr)
	waitFor(t, "[d] after DNS came back", func() bool { return slices.Equal(instances(e), []string{"d.kit.test:7000"}) })

	// No records at all is an empty set, not an error.
	s.set()
	waitFor(t, "no instances", func() bool { eps, err := e.Endpoints(); return err == nil && len(eps) == 0 })
}

func TestInstancerUnknownNameIsEmpty(t *testing.T) {
	s := startServer(t, "127.0.0.1:0", "a.kit.test:1")
	in := dnssrv.NewInstancer("_none._tcp.kit.test.", time.Hour, nil, dnssrv.InstancerResolver(s.resolver()))
	defer in.Stop()
	ch := make(chan loadbalancer.Event, 1)
	in.Register(ch)
	defer in.Deregister(ch)
	ev := <-ch
	if ev.Err != nil || len(ev.Instances) != 0 {
		t.Errorf("NXDOMAIN: event = %+v, want an empty set and no error", ev)
	}
}

type logFunc func(...any) error

func (f logFunc) Log(kv ...any) error { return f(kv...) }
