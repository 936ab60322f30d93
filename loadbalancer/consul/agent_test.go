package consul_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/consul/api"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/internal/testenv"
	"github.com/endpointkit/kit/loadbalancer"
)

// agent is a real Consul agent in dev mode (a one-node server that keeps
// its state in memory) on loopback, started by the test from the consul
// binary on PATH, restartable on the same ports.
type agent struct {
	bin, dir string
	ports    map[string]int // flag name (without "-") -> port
	cmd      *exec.Cmd
	exited   chan struct{} // closed when cmd has exited
	n        int           // starts so far, to name each start's log
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

func startAgent(t *testing.T) *agent {
	t.Helper()
	a := &agent{bin: testenv.LookPath(t, "consul"), dir: t.TempDir(), ports: map[string]int{}}
	// Every listener gets an explicit loopback port, or is disabled, so that
	// tests (and other agents) running at once do not collide.
	for _, name := range []string{"http-port", "serf-lan-port", "server-port"} {
		a.ports[name] = freePort(t)
	}
	a.start(t)
	t.Cleanup(a.kill)
	return a
}

// addr is the agent's HTTP API address.
func (a *agent) addr() string { return "127.0.0.1:" + strconv.Itoa(a.ports["http-port"]) }

func (a *agent) start(t *testing.T) {
	t.Helper()
	a.n++
	logPath := filepath.Join(a.dir, fmt.Sprintf("consul-%d.log", a.n))
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	args := []string{"agent", "-dev", "-bind", "127.0.0.1", "-client", "127.0.0.1",
		"-node", "kit-test", "-log-level", "warn",
		"-dns-port", "-1", "-grpc-port", "-1", "-grpc-tls-port", "-1", "-serf-wan-port", "-1"}
	for name, port := range a.ports {
		args = append(args, "-"+name, strconv.Itoa(port))
	}
	a.cmd = exec.Command(a.bin, args...)
	a.cmd.Stdout, a.cmd.Stderr = logf, logf
	if err := a.cmd.Start(); err != nil {
		t.Fatalf("start consul: %v", err)
	}
	exited := make(chan struct{})
	a.exited = exited
	go func(cmd *exec.Cmd) {
		_ = cmd.Wait()
		close(exited)
	}(a.cmd)
	// Ready when a leader is elected (the agent answers before that).
	c := newClient(t, a)
	deadline := time.Now().Add(30 * time.Second)
	for {
		leader, err := c.Status().Leader()
		if err == nil && leader != "" {
			break
		}
		select {
		case <-exited:
			log, _ := os.ReadFile(logPath)
			t.Fatalf("consul agent exited before it was ready:\n%s", log)
		default:
		}
		if time.Now().After(deadline) {
			a.kill()
			log, _ := os.ReadFile(logPath)
			t.Fatalf("consul agent not ready after 30s (last error %v):\n%s", err, log)
		}
		time.Sleep(20 * time.Millisecond) // polling an external process
	}
}

// kill stops the agent at once, as a crash would, and waits for it to exit.
func (a *agent) kill() {
	if a.cmd != nil && a.cmd.Process != nil {
		_ = a.cmd.Process.Kill() // exactly the process this test started
		<-a.exited
		a.cmd = nil
	}
}

func newClient(t *testing.T, a *agent) *api.Client {
	t.Helper()
	c, err := api.NewClient(&api.Config{Address: a.addr()})
	if err != nil {
		t.Fatalf("consul client: %v", err)
	}
	return c
}

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
