package integration_test

import (
	"context"
	"io"
	"net"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/internal/testenv"
	"github.com/endpointkit/kit/loadbalancer"
	"github.com/endpointkit/kit/loadbalancer/etcd"
	"github.com/endpointkit/kit/log"
)

func TestMain(m *testing.M) { testenv.Main(m) }

const prefix = "/services/users/"

// server is a real etcd server in process, restartable on the same data
// directory and ports.
type server struct {
	dir, clientURL, peerURL string
	e                       *embed.Etcd
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func startServer(t *testing.T) *server {
	t.Helper()
	s := &server{
		dir:       t.TempDir(),
		clientURL: "http://127.0.0.1:" + strconv.Itoa(freePort(t)),
		peerURL:   "http://127.0.0.1:" + strconv.Itoa(freePort(t)),
	}
	s.start(t)
	t.Cleanup(s.stop)
	return s
}

func (s *server) start(t *testing.T) {
	t.Helper()
	cfg := embed.NewConfig()
	cfg.Dir = s.dir
	cfg.LogLevel = "error"
	// Short ticks make the minimum lease TTL one second, so lease expiry
	// is quick to observe.
	cfg.TickMs, cfg.ElectionMs = 10, 100
	cu, _ := url.Parse(s.clientURL)
	pu, _ := url.Parse(s.peerURL)
	cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{*cu}, []url.URL{*cu}
	cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{*pu}, []url.URL{*pu}
	cfg.InitialCluster = cfg.Name + "=" + s.peerURL
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		t.Fatalf("start etcd: %v", err)
	}
	select {
	case <-e.Server.ReadyNotify():
	case <-time.After(20 * time.Second):
		e.Close()
		t.Fatal("etcd not ready after 20s")
	}
	s.e = e
}

func (s *server) stop() {
	if s.e != nil {
		s.e.Close()
		s.e = nil
	}
}

func newClient(t *testing.T, s *server) *clientv3.Client {
	t.Helper()
	c, err := clientv3.New(clientv3.Config{Endpoints: []string{s.clientURL}, DialTimeout: 2 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		t.Fatalf("etcd client: %v", err)
	}
	return c
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
	slices.Sort(out)
	return out
}

func waitFor(t *testing.T, what string, within time.Duration, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(within); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", within, what)
		}
	}
}

func put(t *testing.T, c *clientv3.Client, key, value string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := c.Put(ctx, key, value); err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
}

func del(t *testing.T, c *clientv3.Client, key string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := c.Delete(ctx, key); err != nil {
		t.Fatalf("delete %s: %v", key, err)
	}
}

func TestInstancerJoinLeaveAndOutage(t *testing.T) {
	s := startServer(t)
	c := newClient(t, s)
	defer c.Close()
	put(t, c, prefix+"a", "10.0.0.1:80")
	put(t, c, "/services/other/x", "10.9.9.9:80") // another service: not ours

	in := etcd.NewInstancer(c, prefix, log.NewNopLogger())
	defer in.Stop()
	e := loadbalancer.NewEndpointer(in, factory, nil)
	defer e.Close()
	if got := instances(e); !slices.Equal(got, []string{"10.0.0.1:80"}) {
		t.Fatalf("initial instances = %v, want [10.0.0.1:80]", got)
	}

	put(t, c, prefix+"b", "10.0.0.2:80")
	waitFor(t, "b to join", 5*time.Second, func() bool { return slices.Equal(instances(e), []string{"10.0.0.1:80", "10.0.0.2:80"}) })
	del(t, c, prefix+"a")
	waitFor(t, "a to leave", 5*time.Second, func() bool { return slices.Equal(instances(e), []string{"10.0.0.2:80"}) })

	// etcd goes away (its graceful stop waits about 5s for the watch
	// stream): the last good set stays.
	s.stop()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	_, err := c.Get(ctx, prefix)
	cancel()
	if err == nil {
		t.Fatal("Get with etcd stopped succeeded; want an error")
	}
	if got := instances(e); !slices.Equal(got, []string{"10.0.0.2:80"}) {
		t.Errorf("while etcd is down: instances = %v, want the last good [10.0.0.2:80]", got)
	}

	// It comes back: the watch resumes and sees new changes.
	s.start(t)
	put(t, c, prefix+"c", "10.0.0.3:80")
	waitFor(t, "c to join after the restart", 15*time.Second, func() bool {
		return slices.Equal(instances(e), []string{"10.0.0.2:80", "10.0.0.3:80"})
	})
}

func TestRegistrar(t *testing.T) {
	s := startServer(t)
	c := newClient(t, s)
	defer c.Close()
	in := etcd.NewInstancer(c, prefix, nil)
	defer in.Stop()
	e := loadbalancer.NewEndpointer(in, factory, nil)
	defer e.Close()

	r := etcd.NewRegistrar(c, etcd.Service{Key: prefix + "me", Value: "127.0.0.1:8080", TTL: time.Second}, nil)
	r.Register()
	waitFor(t, "registration", 5*time.Second, func() bool { return slices.Equal(instances(e), []string{"127.0.0.1:8080"}) })

	// The lease is kept alive well past its 1s TTL: the key stays for 2.5s
	// (checked every 100ms, which is what the test is about: time passing).
	for deadline := time.Now().Add(2500 * time.Millisecond); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		resp, err := c.Get(ctx, prefix+"me")
		cancel()
		if err != nil || len(resp.Kvs) != 1 || resp.Kvs[0].Lease == 0 {
			t.Fatalf("Get(me) = %v, %v; want one key with a lease, kept alive", resp, err)
		}
	}
	if got := instances(e); !slices.Equal(got, []string{"127.0.0.1:8080"}) {
		t.Fatalf("after 2.5s: instances = %v, want [127.0.0.1:8080]", got)
	}

	r.Deregister()
	waitFor(t, "deregistration", 5*time.Second, func() bool { return len(instances(e)) == 0 })
	r.Deregister() // idempotent
}

func TestRegistrarLeaseExpiresWhenRenewalStops(t *testing.T) {
	s := startServer(t)
	c := newClient(t, s)
	defer c.Close()
	in := etcd.NewInstancer(c, prefix, nil)
	defer in.Stop()
	e := loadbalancer.NewEndpointer(in, factory, nil)
	defer e.Close()

	// The registering "process" has its own client; closing it stops the
	// renewals as a crash would.
	dying := newClient(t, s)
	var mu sync.Mutex
	var logged []string
	registered := make(chan struct{}, 1)
	logger := log.LoggerFunc(func(kv ...any) error {
		mu.Lock()
		defer mu.Unlock()
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i] == "action" {
				logged = append(logged, kv[i+1].(string))
				if kv[i+1] == "register" {
					select {
					case registered <- struct{}{}:
					default:
					}
				}
			}
		}
		return nil
	})
	r := etcd.NewRegistrar(dying, etcd.Service{Key: prefix + "dying", Value: "127.0.0.1:9999", TTL: time.Second}, logger)
	r.Register()
	waitFor(t, "registration", 5*time.Second, func() bool { return slices.Equal(instances(e), []string{"127.0.0.1:9999"}) })
	// The watch may show the key before the registrar has its answer to the
	// Put; closing the client before then would cancel that answer.
	select {
	case <-registered:
	case <-time.After(5 * time.Second):
		t.Fatal("the registrar logged no register within 5s of its key appearing")
	}

	start := time.Now()
	dying.Close()
	waitFor(t, "the lease to expire", 10*time.Second, func() bool { return len(instances(e)) == 0 })
	if d := time.Since(start); d < 500*time.Millisecond {
		t.Errorf("key gone %v after renewals stopped; want about the 1s TTL", d)
	}
	r.Deregister() // stops the re-registration attempts
	mu.Lock()
	defer mu.Unlock()
	if !slices.Contains(logged, "register") {
		t.Errorf("registrar log actions = %v, want a register", logged)
	}
}
