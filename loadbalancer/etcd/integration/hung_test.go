package integration_test

import (
	"slices"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/endpointkit/kit/internal/hangproxy"
	"github.com/endpointkit/kit/loadbalancer"
	"github.com/endpointkit/kit/loadbalancer/etcd"
	"github.com/endpointkit/kit/log"
)

// TestInstancerHungEtcd puts a proxy that stops forwarding (without
// closing anything) between the Instancer's client and a real etcd: a hung
// etcd, not a dead one. The last good set must stay, no caller may block
// (reading the set, building another Instancer, stopping one), and changes
// made meanwhile must arrive once etcd answers again.
func TestInstancerHungEtcd(t *testing.T) {
	s := startServer(t)
	direct := newClient(t, s)
	defer direct.Close()
	put(t, direct, prefix+"a", "10.0.0.1:80")
	put(t, direct, prefix+"b", "10.0.0.2:80")

	p := hangproxy.New(t, s.clientURL[len("http://"):])
	viaProxy := func() *clientv3.Client {
		c, err := clientv3.New(clientv3.Config{Endpoints: []string{"http://" + p.Addr()}, DialTimeout: 2 * time.Second, Logger: zap.NewNop()})
		if err != nil {
			t.Fatalf("etcd client through the proxy: %v", err)
		}
		return c
	}
	c := viaProxy()
	defer c.Close()
	in := etcd.NewInstancer(c, prefix, log.NewNopLogger())
	defer in.Stop()
	e := loadbalancer.NewEndpointer(in, factory, nil)
	defer e.Close()
	want := []string{"10.0.0.1:80", "10.0.0.2:80"}
	if got := instances(e); !slices.Equal(got, want) {
		t.Fatalf("initial instances = %v, want %v", got, want)
	}
	// Another watching Instancer, to be stopped while etcd hangs.
	stopped := etcd.NewInstancer(c, prefix, log.NewNopLogger())
	defer stopped.Stop()

	p.Hang()
	put(t, direct, prefix+"c", "10.0.0.3:80") // etcd changes; the Instancer cannot see it yet
	start := time.Now()
	if got := instances(e); !slices.Equal(got, want) {
		t.Errorf("while etcd hangs: instances = %v, want the last good %v", got, want)
	}
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Errorf("reading the endpoints while etcd hangs took %v, want at once", d)
	}

	// A second Instancer built now (a service starting while etcd hangs)
	// returns within its first read's bound, reporting the error, and
	// stops at once.
	c2 := viaProxy()
	defer c2.Close()
	start = time.Now()
	in2 := etcd.NewInstancer(c2, prefix, log.NewNopLogger())
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("NewInstancer while etcd hangs took %v, want at most its 2s first read and a margin", d)
	}
	ch := make(chan loadbalancer.Event, 1)
	in2.Register(ch)
	if ev := <-ch; ev.Err == nil {
		t.Errorf("first Event of an Instancer built while etcd hangs = %+v, want an error", ev)
	}
	in2.Deregister(ch)
	start = time.Now()
	in2.Stop()
	if d := time.Since(start); d > time.Second {
		t.Errorf("Stop of an Instancer while etcd hangs took %v, want at once", d)
	}
	start = time.Now()
	stopped.Stop()
	if d := time.Since(start); d > time.Second {
		t.Errorf("Stop of a watching Instancer while etcd hangs took %v, want at once", d)
	}

	// The watch sees the change made meanwhile once etcd answers again.
	p.Resume()
	waitFor(t, "c to join after etcd answers again", 15*time.Second, func() bool {
		return slices.Equal(instances(e), []string{"10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80"})
	})
}
