package addsvc_test

import (
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// TestServerHardening builds the real addsvc and checks how it treats
// clients that do not behave and how it stops: slow and idle connections
// are closed on the server's timeouts, and on SIGTERM with a request stuck
// on every transport, every listener stops accepting at once, gRPC health
// says NOT_SERVING, and the process exits within -shutdown-timeout.
func TestServerHardening(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs binaries; skipped in -short mode")
	}
	bin, _ := build(t)
	t.Run("slow and idle clients", func(t *testing.T) {
		p := start(t, bin, "-http.read-timeout", "1s", "-http.idle-timeout", "1s")
		for _, transport := range []string{"http", "jsonrpc"} {
			// A body that never completes: closed after the read timeout.
			c := dial(t, p.addr(transport))
			writeString(t, c, "POST /sum HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"a\":")
			if d, err := closedWithin(c, 5*time.Second); err != nil {
				t.Errorf("%s: a slow body's connection: %v, want it closed after the 1s read timeout", transport, err)
			} else if d < 900*time.Millisecond {
				t.Errorf("%s: a slow body's connection closed after %v, want about the 1s read timeout", transport, d)
			}
			c.Close()

			// A keep-alive connection left idle after a request: closed
			// after the idle timeout.
			c = dial(t, p.addr(transport))
			body := `{"a":1,"b":2}`
			if transport == "jsonrpc" {
				body = `{"jsonrpc":"2.0","method":"sum","params":{"a":1,"b":2},"id":1}`
			}
			writeString(t, c, "POST /sum HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "+strconv.Itoa(len(body))+"\r\n\r\n"+body)
			buf := make([]byte, 4096)
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			if n, err := c.Read(buf); err != nil || !strings.HasPrefix(string(buf[:n]), "HTTP/1.1 200") {
				t.Fatalf("%s: keep-alive request: %q, %v; want 200", transport, buf[:n], err)
			}
			if _, err := closedWithin(c, 5*time.Second); err != nil {
				t.Errorf("%s: an idle keep-alive connection: %v, want it closed after the 1s idle timeout", transport, err)
			}
			c.Close()
		}
	})

	t.Run("shutdown with stuck requests", func(t *testing.T) {
		const timeout = 2 * time.Second
		p := start(t, bin, "-shutdown-timeout", timeout.String())
		// A request stuck on each HTTP transport: its body never ends.
		for _, transport := range []string{"http", "jsonrpc"} {
			c := dial(t, p.addr(transport))
			defer c.Close()
			writeString(t, c, "POST /sum HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
		}
		// And on gRPC: a health Watch, a stream that stays open, which
		// also shows when health turns NOT_SERVING.
		conn, err := grpc.NewClient(p.addr("grpc"), grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		watch, err := healthpb.NewHealthClient(conn).Watch(ctx, &healthpb.HealthCheckRequest{})
		if err != nil {
			t.Fatal(err)
		}
		if r, err := watch.Recv(); err != nil || r.Status != healthpb.HealthCheckResponse_SERVING {
			t.Fatalf("health Watch before SIGTERM: %v, %v; want SERVING", r, err)
		}
		notServing := make(chan time.Time, 1)
		go func() {
			for {
				r, err := watch.Recv()
				if err != nil {
					return
				}
				if r.Status == healthpb.HealthCheckResponse_NOT_SERVING {
					notServing <- time.Now()
					return
				}
			}
		}()

		exited := make(chan time.Time, 1)
		sig := time.Now()
		if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		go func() { <-p.done; _ = p.cmd.Wait(); exited <- time.Now() }()

		// Every listener stops accepting at once: within 500ms of the
		// signal, while the stuck requests keep the process draining.
		for _, transport := range []string{"http", "jsonrpc", "grpc", "debug"} {
			for {
				c, err := net.DialTimeout("tcp", p.addr(transport), time.Second)
				if err != nil {
					break
				}
				c.Close()
				if d := time.Since(sig); d > 500*time.Millisecond {
					t.Errorf("%s still accepts connections %v after SIGTERM", transport, d)
					break
				}
				time.Sleep(10 * time.Millisecond) // polling a listener; no event tells when it closes
			}
		}
		select {
		case at := <-notServing:
			if d := at.Sub(sig); d > 500*time.Millisecond {
				t.Errorf("health turned NOT_SERVING %v after SIGTERM, want at once", d)
			}
		case <-time.After(5 * time.Second):
			t.Errorf("health Watch saw no NOT_SERVING within 5s of SIGTERM")
		}
		select {
		case at := <-exited:
			d := at.Sub(sig)
			if d > timeout+time.Second {
				t.Errorf("addsvc exited %v after SIGTERM, want within -shutdown-timeout %v and 1s", d, timeout)
			}
			if d < timeout-200*time.Millisecond {
				t.Errorf("addsvc exited %v after SIGTERM, want it to wait about %v for the stuck requests", d, timeout)
			}
			if code := p.cmd.ProcessState.ExitCode(); code != 0 {
				t.Errorf("addsvc exit status %d, want 0\n%s", code, lastLines(p.log(), 10))
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("addsvc still running 30s after SIGTERM")
		}
	})
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func writeString(t *testing.T, c net.Conn, s string) {
	t.Helper()
	if _, err := io.WriteString(c, s); err != nil {
		t.Fatal(err)
	}
}

// closedWithin reads c until the server closes it, and returns how long
// that took; it fails when c is still open after d.
func closedWithin(c net.Conn, d time.Duration) (time.Duration, error) {
	start := time.Now()
	c.SetReadDeadline(start.Add(d))
	buf := make([]byte, 4096)
	for {
		_, err := c.Read(buf)
		var ne net.Error
		switch {
		case err == nil:
			continue // a response (a 408, say) before the close
		case errors.As(err, &ne) && ne.Timeout():
			return 0, errors.New("still open after " + d.String())
		default:
			return time.Since(start), nil
		}
	}
}
