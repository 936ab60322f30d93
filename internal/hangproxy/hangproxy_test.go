package hangproxy_test

import (
	"bufio"
	"net"
	"testing"
	"time"

	"github.com/endpointkit/kit/internal/hangproxy"
	"github.com/endpointkit/kit/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// TestHangHoldsAndResumeDelivers checks the proxy against a line echo
// server: lines flow, are held (the connection staying open) while it
// hangs, and arrive once it resumes.
func TestHangHoldsAndResumeDelivers(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		r := bufio.NewReader(c)
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			if _, err := c.Write([]byte(line)); err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() { l.Close(); <-done })

	p := hangproxy.New(t, l.Addr().String())
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := bufio.NewReader(c)
	echo := func(line string, within time.Duration) (string, error) {
		if _, err := c.Write([]byte(line + "\n")); err != nil {
			return "", err
		}
		c.SetReadDeadline(time.Now().Add(within))
		got, err := r.ReadString('\n')
		if len(got) > 0 {
			got = got[:len(got)-1]
		}
		return got, err
	}
	if got, err := echo("one", 5*time.Second); got != "one" || err != nil {
		t.Fatalf("echo through the proxy = %q, %v; want one", got, err)
	}
	p.Hang()
	if got, err := echo("two", 200*time.Millisecond); err == nil {
		t.Fatalf("echo while hung = %q, want a read timeout", got)
	} else if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
		t.Fatalf("echo while hung: %v, want a timeout (the connection open)", err)
	}
	p.Resume()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if got, err := r.ReadString('\n'); got != "two\n" || err != nil {
		t.Fatalf("after Resume: read %q, %v; want the held two", got, err)
	}
}
