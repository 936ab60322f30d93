package zk_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/internal/testenv"
	"github.com/endpointkit/kit/loadbalancer"
	kitzk "github.com/endpointkit/kit/loadbalancer/zk"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// The Debian zookeeper package's jar, which holds the server.
const zkJar = "/usr/share/java/zookeeper.jar"

// server is a real ZooKeeper server on loopback, started by the test from
// the installed package, restartable on the same port and data directory.
type server struct {
	java, dir, addr string
	cmd             *exec.Cmd
}

func startServer(t *testing.T) *server {
	t.Helper()
	java := testenv.LookPath(t, "java")
	if _, err := os.Stat(zkJar); err != nil {
		testenv.Missing(t, "ZooKeeper ("+zkJar+", Debian package zookeeperd)")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	s := &server{java: java, dir: t.TempDir(), addr: fmt.Sprintf("127.0.0.1:%d", port)}
	// tickTime 200ms allows session timeouts from 400ms, so that session
	// expiry is quick to observe; the maximum stays long enough for the
	// test's own session to outlive a restart of the server.
	cfg := fmt.Sprintf("tickTime=200\nmaxSessionTimeout=60000\ndataDir=%s\nclientPort=%d\nclientPortAddress=127.0.0.1\nadmin.enableServer=false\nmaxClientCnxns=0\n",
		filepath.Join(s.dir, "data"), port)
	if err := os.WriteFile(filepath.Join(s.dir, "zoo.cfg"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	s.start(t)
	t.Cleanup(s.kill)
	return s
}

func (s *server) start(t *testing.T) {
	t.Helper()
	logf, err := os.OpenFile(filepath.Join(s.dir, "zk.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	s.cmd = exec.Command(s.java, "-Xmx256m", "-cp", "/etc/zookeeper/conf:"+zkJar,
		"org.apache.zookeeper.server.ZooKeeperServerMain", filepath.Join(s.dir, "zoo.cfg"))
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start zookeeper: %v", err)
	}
	// Ready when a client gets a session (the port can accept before).
	c := connect(t, s.addr, 5*time.Second)
	defer c.Close()
	waitFor(t, "a ZooKeeper session", 90*time.Second, func() bool { return c.State() == zk.StateHasSession })
}

// kill stops the server at once, as a crash would.
func (s *server) kill() {
	if s.cmd != nil && s.cmd.Process != nil {
		s.cmd.Process.Kill()
		s.cmd.Wait()
		s.cmd = nil
	}
}

type nopLogger struct{}

func (nopLogger) Printf(string, ...any) {}

func connect(t *testing.T, addr string, session time.Duration) *zk.Conn {
	t.Helper()
	c, _, err := zk.Connect([]string{addr}, session, zk.WithLogger(nopLogger{}))
	if err != nil {
		t.Fatalf("zk.Connect(%s): %v", addr, err)
	}
	return c
}

// session connects and waits for a session.
func session(t *testing.T, addr string, timeout time.Duration) *zk.Conn {
	t.Helper()
	c := connect(t, addr, timeout)
	waitFor(t, "a session", 10*time.Second, func() bool { return c.State() == zk.StateHasSession })
	return c
}

func waitFor(t *testing.T, what string, within time.Duration, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(within); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", within, what)
		}
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
	slices.Sort(out)
	return out
}

const path = "/services/users"

func register(c *zk.Conn, addr string) *kitzk.Registrar {
	r := kitzk.NewRegistrar(c, kitzk.Service{Path: path, Data: []byte(addr)}, nil)
	r.Register()
	return r
}

func TestZooKeeper(t *testing.T) {
	s := startServer(t)
	c := session(t, s.addr, 30*time.Second)
	defer c.Close()

	// The path does not exist yet: no instances, and a watch for it.
	in := kitzk.NewInstancer(c, path, nil)
	defer in.Stop()
	e := loadbalancer.NewEndpointer(in, factory, nil)
	defer e.Close()
	if got := instances(e); len(got) != 0 {
		t.Fatalf("before any registration: instances = %v, want none", got)
	}

	t.Run("join_and_leave", func(t *testing.T) {
		a := register(c, "10.0.0.1:80")
		b := register(c, "10.0.0.2:80")
		waitFor(t, "a and b", 5*time.Second, func() bool { return slices.Equal(instances(e), []string{"10.0.0.1:80", "10.0.0.2:80"}) })
		a.Deregister()
		waitFor(t, "a to leave", 5*time.Second, func() bool { return slices.Equal(instances(e), []string{"10.0.0.2:80"}) })
		b.Deregister()
		waitFor(t, "b to leave", 5*time.Second, func() bool { return len(instances(e)) == 0 })
	})

	t.Run("session_expiry_removes_instance", func(t *testing.T) {
		// The registering process reaches ZooKeeper through a proxy; cutting
		// it stops the heartbeats as a crash or partition would, and the
		// session (1s) expires.
		p := startProxy(t, s.addr)
		dying := session(t, p.addr(), time.Second)
		defer dying.Close()
		register(dying, "10.0.0.9:80")
		waitFor(t, "registration", 5*time.Second, func() bool { return slices.Equal(instances(e), []string{"10.0.0.9:80"}) })
		cut := time.Now()
		p.kill()
		waitFor(t, "the session to expire", 15*time.Second, func() bool { return len(instances(e)) == 0 })
		if d := time.Since(cut); d < 500*time.Millisecond {
			t.Errorf("instance gone %v after the cut; want about the 1s session timeout", d)
		}
	})

	t.Run("outage_keeps_last_good_set", func(t *testing.T) {
		r := register(c, "10.0.0.3:80")
		waitFor(t, "registration", 5*time.Second, func() bool { return slices.Equal(instances(e), []string{"10.0.0.3:80"}) })
		s.kill()
		waitFor(t, "the client to notice", 10*time.Second, func() bool { return c.State() != zk.StateHasSession })
		if got := instances(e); !slices.Equal(got, []string{"10.0.0.3:80"}) {
			t.Errorf("while ZooKeeper is down: instances = %v, want the last good [10.0.0.3:80]", got)
		}
		s.start(t)
		// The client redials every second and resumes its session (or,
		// had it expired, starts a new one); the bound is for a JVM on a
		// busy machine. The server's log says why when it does not.
		resumed := func() bool { return c.State() == zk.StateHasSession }
		for deadline := time.Now().Add(60 * time.Second); !resumed(); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				log, _ := os.ReadFile(filepath.Join(s.dir, "zk.log"))
				if len(log) > 8<<10 {
					log = log[len(log)-8<<10:]
				}
				t.Fatalf("timed out after 60s waiting for the session to resume (client state %v); the end of ZooKeeper's log:\n%s", c.State(), log)
			}
		}
		register(c, "10.0.0.4:80")
		waitFor(t, "a registration after the restart", 10*time.Second, func() bool {
			return slices.Equal(instances(e), []string{"10.0.0.3:80", "10.0.0.4:80"})
		})
		r.Deregister()
	})
}

// proxy forwards TCP connections to a target until killed.
type proxy struct {
	ln    net.Listener
	mu    sync.Mutex // guards conns
	conns []net.Conn
	wg    sync.WaitGroup
}

func startProxy(t *testing.T, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				in.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, in, out)
			p.mu.Unlock()
			p.wg.Add(2)
			go func() { defer p.wg.Done(); io.Copy(out, in); out.Close() }()
			go func() { defer p.wg.Done(); io.Copy(in, out); in.Close() }()
		}
	}()
	t.Cleanup(p.kill)
	return p
}

func (p *proxy) addr() string { return p.ln.Addr().String() }

func (p *proxy) kill() {
	p.ln.Close()
	p.mu.Lock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
	p.mu.Unlock()
	p.wg.Wait()
}
