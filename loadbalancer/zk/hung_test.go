package zk_test

import (
	"slices"
	"testing"
	"time"

	"github.com/endpointkit/kit/internal/hangproxy"
	"github.com/endpointkit/kit/loadbalancer"
	kitzk "github.com/endpointkit/kit/loadbalancer/zk"
)

// within runs f and reports whether it returned within d. When it did not,
// f is left running: the caller must make it return (by ending the hang)
// and wait on the returned channel.
func within(d time.Duration, f func()) (bool, <-chan struct{}) {
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
		return true, done
	case <-time.After(d):
		return false, done
	}
}

// TestInstancerHungZooKeeper puts a proxy that stops forwarding (without
// closing anything) between the Instancer's connection and a real
// ZooKeeper: a hung server, not a dead one. The last good set must stay,
// no caller may block (reading the set, building another Instancer,
// stopping one), and changes made meanwhile must arrive once ZooKeeper
// answers again.
func TestInstancerHungZooKeeper(t *testing.T) {
	s := startServer(t)
	direct := session(t, s.addr, 30*time.Second)
	defer direct.Close()
	register(direct, "10.0.0.1:80")
	register(direct, "10.0.0.2:80")

	p := hangproxy.New(t, s.addr)
	c := session(t, p.Addr(), 30*time.Second)
	defer c.Close()
	in := kitzk.NewInstancer(c, path, nil)
	defer in.Stop()
	e := loadbalancer.NewEndpointer(in, factory, nil)
	defer e.Close()
	want := []string{"10.0.0.1:80", "10.0.0.2:80"}
	waitFor(t, "a and b", 5*time.Second, func() bool { return slices.Equal(instances(e), want) })
	stopped := kitzk.NewInstancer(c, path, nil) // stopped while ZooKeeper hangs
	defer stopped.Stop()

	p.Hang()
	register(direct, "10.0.0.3:80") // ZooKeeper changes; the Instancer cannot see it yet
	start := time.Now()
	if got := instances(e); !slices.Equal(got, want) {
		t.Errorf("while ZooKeeper hangs: instances = %v, want the last good %v", got, want)
	}
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Errorf("reading the endpoints while ZooKeeper hangs took %v, want at once", d)
	}

	// A second Instancer built now (a service starting while ZooKeeper
	// hangs) returns within its first read's bound, reporting the error,
	// and stops at once.
	c2 := connect(t, p.Addr(), 30*time.Second)
	defer c2.Close()
	var in2 *kitzk.Instancer
	var pending []<-chan struct{} // calls that did not return while hung
	ok, done := within(3*time.Second, func() { in2 = kitzk.NewInstancer(c2, path, nil) })
	if !ok {
		t.Errorf("NewInstancer while ZooKeeper hangs did not return within 3s, want its 2s first read and a margin")
		pending = append(pending, done)
	} else {
		ch := make(chan loadbalancer.Event, 1)
		in2.Register(ch)
		if ev := <-ch; ev.Err == nil {
			t.Errorf("first Event of an Instancer built while ZooKeeper hangs = %+v, want an error", ev)
		}
		in2.Deregister(ch)
		if ok, done := within(time.Second, in2.Stop); !ok {
			t.Errorf("Stop of an Instancer still reading while ZooKeeper hangs did not return within 1s")
			pending = append(pending, done)
		}
	}
	if ok, done := within(time.Second, stopped.Stop); !ok {
		t.Errorf("Stop of a watching Instancer while ZooKeeper hangs did not return within 1s")
		pending = append(pending, done)
	}

	// The watch sees the change made meanwhile once ZooKeeper answers again.
	p.Resume()
	for _, done := range pending {
		<-done
	}
	waitFor(t, "the third instance after ZooKeeper answers again", 30*time.Second, func() bool {
		return slices.Equal(instances(e), []string{"10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80"})
	})
	if in2 != nil {
		in2.Stop()
	}
}
