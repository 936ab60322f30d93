// Package consultest starts a real Consul agent for kit's tests: the consul
// binary on PATH (scripts/build-consul.sh builds it), in dev mode (a
// one-node server that keeps its state in memory), on loopback ports of its
// own, stopped when the test ends. An agent can be killed, as a crash
// would, and started again on the same ports, knowing nothing.
package consultest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/hashicorp/consul/api"

	"github.com/endpointkit/kit/internal/testenv"
)

// Agent is a Consul agent that a test started. Its methods are for the
// test's goroutine only.
type Agent struct {
	bin, dir string
	ports    map[string]int // flag name (without "-") -> port
	cmd      *exec.Cmd
	exited   chan struct{} // closed when cmd has exited
	n        int           // starts so far, to name each start's log
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Start starts an agent and waits until it has elected itself leader. It
// skips or fails t (see testenv.LookPath) when consul is not on PATH, and
// kills the agent when t ends.
func Start(t testing.TB) *Agent {
	t.Helper()
	a := &Agent{bin: testenv.LookPath(t, "consul"), dir: t.TempDir(), ports: map[string]int{}}
	// Every listener gets an explicit loopback port, or is disabled, so that
	// agents of tests running at once do not collide.
	for _, name := range []string{"http-port", "serf-lan-port", "server-port"} {
		a.ports[name] = freePort(t)
	}
	a.Restart(t)
	t.Cleanup(a.Kill)
	return a
}

// Addr is the agent's HTTP API address, host:port.
func (a *Agent) Addr() string { return "127.0.0.1:" + strconv.Itoa(a.ports["http-port"]) }

// Client returns a client of the agent.
func (a *Agent) Client(t testing.TB) *api.Client {
	t.Helper()
	c, err := api.NewClient(&api.Config{Address: a.Addr()})
	if err != nil {
		t.Fatalf("consul client: %v", err)
	}
	return c
}

// Restart starts a new agent on the same ports (after Kill), and waits
// until it has elected itself leader.
func (a *Agent) Restart(t testing.TB) {
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
		// A data directory of each start's own: a restarted agent knows
		// nothing, as a dev agent keeps its catalog in memory.
		"-data-dir", filepath.Join(a.dir, fmt.Sprintf("data-%d", a.n)),
		"-dns-port", "-1", "-grpc-port", "-1", "-grpc-tls-port", "-1", "-serf-wan-port", "-1"}
	for name, port := range a.ports {
		args = append(args, "-"+name, strconv.Itoa(port))
	}
	cmd := exec.Command(a.bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatalf("start consul: %v", err)
	}
	exited := make(chan struct{})
	a.cmd, a.exited = cmd, exited
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()

	// Ready when a leader is elected (the agent answers before that).
	c := a.Client(t)
	deadline := time.Now().Add(30 * time.Second)
	for {
		leader, err := c.Status().Leader()
		if err == nil && leader != "" {
			return
		}
		select {
		case <-exited:
			log, _ := os.ReadFile(logPath)
			t.Fatalf("consul agent exited before it was ready:\n%s", log)
		default:
		}
		if time.Now().After(deadline) {
			a.Kill()
			log, _ := os.ReadFile(logPath)
			t.Fatalf("consul agent not ready after 30s (last error %v):\n%s", err, log)
		}
		time.Sleep(20 * time.Millisecond) // polling another process, which has no signal to offer
	}
}

// Kill stops the agent at once, as a crash would, and waits for it to
// exit. Killing a stopped agent does nothing.
func (a *Agent) Kill() {
	if a.cmd != nil {
		_ = a.cmd.Process.Kill() // exactly the process Restart started
		<-a.exited
		a.cmd = nil
	}
}
