package redis_test

import (
	"context"

	"net"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/endpointkit/kit/internal/testenv"
)

// redisServer is a real redis-server the test started on loopback.
type redisServer struct {
	t    testing.TB
	bin  string
	dir  string
	port int
	cmd  *exec.Cmd
}

// startRedis starts redis-server on a free loopback port with persistence
// off and stops it when the test ends.
func startRedis(t testing.TB) *redisServer {
	t.Helper()
	s := &redisServer{t: t, bin: testenv.LookPath(t, "redis-server"), dir: t.TempDir(), port: freePort(t)}
	s.start()
	t.Cleanup(s.stop)
	return s
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func (s *redisServer) addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

// start runs redis-server and waits, for at most 10s, until it answers PING.
func (s *redisServer) start() {
	s.t.Helper()
	s.cmd = exec.Command(s.bin, "--bind", "127.0.0.1", "--port", strconv.Itoa(s.port),
		"--save", "", "--appendonly", "no", "--dir", s.dir, "--protected-mode", "yes")
	if err := s.cmd.Start(); err != nil {
		s.t.Fatalf("start redis-server: %v", err)
	}
	c := goredis.NewClient(&goredis.Options{Addr: s.addr(), MaxRetries: -1, DialTimeout: 100 * time.Millisecond})
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			s.stop()
			s.t.Fatalf("redis-server on %s not ready after 10s: %v", s.addr(), err)
		}
		time.Sleep(20 * time.Millisecond) // poll interval of a bounded readiness loop
	}
}

// stop kills the server, if running, and waits for it to exit.
func (s *redisServer) stop() {
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Kill()
	s.cmd.Wait()
	s.cmd = nil
}

// client returns a go-redis client for the server that does not retry, so
// that a stopped server is noticed at once, closed when the test ends.
func (s *redisServer) client(t testing.TB) *goredis.Client {
	c := goredis.NewClient(&goredis.Options{
		Addr:               s.addr(),
		MaxRetries:         -1,
		DialerRetries:      1,
		DialerRetryTimeout: time.Millisecond,
		DialTimeout:        200 * time.Millisecond,
		ReadTimeout:        500 * time.Millisecond,
		WriteTimeout:       500 * time.Millisecond,
		Protocol:           2,
	})
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Logf("close redis client: %v", err)
		}
	})
	return c
}

// pause stops the server process with SIGSTOP: it keeps its socket, so the
// kernel still accepts connections and buffers requests, but nothing is
// answered: a hung Redis, not a dead one. resume undoes it, and runs at
// cleanup too, so that stop can end the process.
func (s *redisServer) pause() {
	s.t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		s.t.Fatalf("SIGSTOP redis-server: %v", err)
	}
	s.t.Cleanup(s.resume)
}

func (s *redisServer) resume() {
	if s.cmd == nil {
		return
	}
	if err := s.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		s.t.Errorf("SIGCONT redis-server: %v", err)
	}
}
