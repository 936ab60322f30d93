package thrift_test

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/apache/thrift/lib/go/thrift"

	kitthrift "github.com/endpointkit/kit/transport/thrift"
	"github.com/endpointkit/kit/transport/thrift/internal/thrifttest"
)

// pipeListener is a net.Listener whose connections are net.Pipe ends, so
// that tests can run inside a synctest bubble.
type pipeListener struct {
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func newPipeListener() *pipeListener {
	return &pipeListener{conns: make(chan net.Conn), done: make(chan struct{})}
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *pipeListener) Addr() net.Addr { return pipeAddr{} }

// dial returns the client end of a new connection.
func (l *pipeListener) dial() net.Conn {
	c, s := net.Pipe()
	select {
	case l.conns <- s:
	case <-l.done:
		s.Close()
	}
	return c
}

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "pipe" }

// pipeClient returns a kit Client whose connections are pipes to l.
func pipeClient(l *pipeListener, call kitthrift.CallFunc, options ...kitthrift.ClientOption) *kitthrift.Client {
	dial := func(context.Context, string, string) (net.Conn, error) { return l.dial(), nil }
	return kitthrift.NewClient("pipe", call, append(options, kitthrift.ClientDialer(dial))...)
}

// serveOnPipe starts srv on a pipeListener; the returned function closes
// the server and waits for Serve to return.
func serveOnPipe(t *testing.T, srv *kitthrift.ConnServer) (*pipeListener, func()) {
	l := newPipeListener()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	return l, func() {
		_ = srv.Close()
		if err := <-served; !errors.Is(err, kitthrift.ErrServerClosed) {
			t.Errorf("Serve() = %v, want ErrServerClosed", err)
		}
	}
}

// TestShutdown: idle connections close at once, a busy one finishes its
// call, new connections are refused, and Shutdown returns when it is done.
func TestShutdown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		started, release := make(chan struct{}), make(chan struct{})
		svc := newTestService()
		svc.sleep = kitthrift.NewServer(func(ctx context.Context, req any) (any, error) {
			close(started)
			<-release
			return req, nil
		}, identity, identity)
		srv := kitthrift.NewConnServer(thrifttest.NewTestProcessor(svc), kitthrift.ConnSettings{})
		l, stop := serveOnPipe(t, srv)
		defer stop()

		// 64 idle connections, each having served one call.
		idle := pipeClient(l, echoCall, kitthrift.ClientMaxIdleConns(64))
		defer idle.Close()
		var wg sync.WaitGroup
		for range 64 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := idle.Endpoint()(context.Background(), "x"); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()

		busy := pipeClient(l, sleepCall)
		defer busy.Close()
		result := make(chan error, 1)
		go func() {
			_, err := busy.Endpoint()(context.Background(), int64(1))
			result <- err
		}()
		<-started

		shut := make(chan error, 1)
		start := time.Now()
		go func() { shut <- srv.Shutdown(context.Background()) }()
		synctest.Wait()
		select {
		case err := <-shut:
			t.Fatalf("Shutdown returned %v with a call in flight", err)
		default:
		}
		// The idle connections are closed: a call on one fails.
		if _, err := idle.Endpoint()(context.Background(), "x"); err == nil {
			t.Errorf("a call on an idle connection after Shutdown succeeded")
		}
		close(release)
		if err := <-result; err != nil {
			t.Errorf("the call in flight: %v, want it to finish", err)
		}
		if err := <-shut; err != nil {
			t.Errorf("Shutdown = %v", err)
		}
		if took := time.Since(start); took != 0 {
			t.Errorf("Shutdown took %v of fake time, want none", took)
		}
	})
}

// TestShutdownDeadline: a call that outlives Shutdown's context is cut off,
// and Shutdown returns the context's error.
func TestShutdownDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		started := make(chan struct{})
		svc := newTestService()
		svc.sleep = kitthrift.NewServer(func(ctx context.Context, req any) (any, error) {
			close(started)
			<-ctx.Done() // Close cancels the requests' contexts
			return nil, ctx.Err()
		}, identity, identity)
		srv := kitthrift.NewConnServer(thrifttest.NewTestProcessor(svc), kitthrift.ConnSettings{})
		l, stop := serveOnPipe(t, srv)
		defer stop()
		c := pipeClient(l, sleepCall)
		defer c.Close()
		result := make(chan error, 1)
		go func() {
			_, err := c.Endpoint()(context.Background(), int64(1))
			result <- err
		}()
		<-started
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Shutdown = %v, want context.DeadlineExceeded", err)
		}
		if err := <-result; err == nil {
			t.Errorf("the call cut off by Shutdown succeeded")
		}
	})
}

// TestTimeouts: an idle connection is closed after IdleTimeout, a request
// trickled slower than ReadTimeout allows is dropped (slowloris).
func TestTimeouts(t *testing.T) {
	valid := binaryCall(t, "Echo", thrift.CALL, echoArgs("hi"))
	for _, tc := range []struct {
		name string
		send func(nc net.Conn)
		want time.Duration // when the server closes the connection
	}{
		{"idle", func(net.Conn) {}, time.Minute},
		{"slowloris", func(nc net.Conn) {
			for _, b := range valid {
				if _, err := nc.Write([]byte{b}); err != nil {
					return
				}
				time.Sleep(time.Second)
			}
		}, 5 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				srv := kitthrift.NewConnServer(thrifttest.NewTestProcessor(newTestService()), kitthrift.ConnSettings{
					IdleTimeout: time.Minute, ReadTimeout: 5 * time.Second,
				})
				l, stop := serveOnPipe(t, srv)
				defer stop()
				nc := l.dial()
				defer nc.Close()
				start := time.Now()
				sent := make(chan struct{})
				go func() { defer close(sent); tc.send(nc) }()
				defer func() { <-sent }()
				if _, err := io.Copy(io.Discard, nc); err != nil && !errors.Is(err, io.ErrClosedPipe) {
					t.Fatalf("read: %v", err)
				}
				if took := time.Since(start); took < tc.want || took > tc.want+time.Second {
					t.Errorf("closed after %v, want %v", took, tc.want)
				}
				// The server still serves.
				c := pipeClient(l, echoCall)
				defer c.Close()
				if got, err := c.Endpoint()(context.Background(), "ok"); err != nil || got != "ok" {
					t.Errorf("good request afterwards = %v, %v", got, err)
				}
			})
		})
	}
}

// TestMaxConns: at the limit, a new connection closes an idle one; when
// every connection is busy, the new one is refused.
func TestMaxConns(t *testing.T) {
	t.Run("evicts idle", func(t *testing.T) {
		addr, _ := startServer(t, newTestService(), kitthrift.ConnSettings{MaxConns: 2})
		// Two connections that never send: idle from their accept on.
		var raw []net.Conn
		for range 2 {
			nc, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			raw = append(raw, nc)
		}
		c := kitthrift.NewClient(addr, echoCall)
		defer c.Close()
		if got, err := c.Endpoint()(context.Background(), "ok"); err != nil || got != "ok" {
			t.Fatalf("call with 2 idle connections open = %v, %v; want an idle one evicted", got, err)
		}
		// The first accepted is the one idle the longest.
		if !closedByServer(raw[0]) {
			t.Errorf("the connection idle the longest is still open")
		}
	})
	t.Run("refuses when busy", func(t *testing.T) {
		release, started := make(chan struct{}), make(chan struct{}, 2)
		svc := newTestService()
		svc.sleep = kitthrift.NewServer(func(ctx context.Context, req any) (any, error) {
			started <- struct{}{}
			<-release
			return req, nil
		}, identity, identity)
		addr, _ := startServer(t, svc, kitthrift.ConnSettings{MaxConns: 2})
		busy := kitthrift.NewClient(addr, sleepCall)
		defer busy.Close()
		var wg sync.WaitGroup
		failed := make(chan error, 2)
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := busy.Endpoint()(context.Background(), int64(1)); err != nil {
					failed <- err
				}
			}()
			select {
			case <-started:
			case err := <-failed:
				t.Fatalf("busy call: %v", err)
			}
		}
		third := kitthrift.NewClient(addr, echoCall)
		defer third.Close()
		if _, err := third.Endpoint()(context.Background(), "x"); err == nil {
			t.Errorf("a third connection while two are busy was served")
		}
		close(release)
		wg.Wait()
		close(failed)
		for err := range failed {
			t.Errorf("busy call: %v", err)
		}
	})
}

// panicking implements thrifttest.Test without kit's Server: its panics
// and errors reach the ConnServer itself.
type panicking struct{ thrifttest.Test }

func (panicking) Echo(_ context.Context, s string) (string, error) {
	if s == "error" {
		return "", errors.New("secret internals")
	}
	panic("raw handler panic")
}

// TestConnServerRecovers: a panic or an error of a handler that does not go
// through a Server is answered INTERNAL_ERROR "internal error", reported,
// and the connection keeps serving.
func TestConnServerRecovers(t *testing.T) {
	var handled errorLog
	addr, _ := startServer(t, panicking{newTestService()}, kitthrift.ConnSettings{ErrorHandler: &handled})
	c := kitthrift.NewClient(addr, echoCall, kitthrift.ClientMaxIdleConns(1))
	defer c.Close()
	for _, in := range []string{"panic", "error"} {
		_, err := c.Endpoint()(context.Background(), in)
		var ae *kitthrift.ApplicationError
		if !errors.As(err, &ae) || ae.Type != thrift.INTERNAL_ERROR || ae.Message != "internal error" {
			t.Errorf("Echo(%s) err = %v, want INTERNAL_ERROR \"internal error\"", in, err)
		}
	}
	errs := handled.all()
	var pe *kitthrift.PanicError
	if len(errs) != 2 || !errors.As(errs[0], &pe) || pe.Value != "raw handler panic" || errs[1].Error() != "secret internals" {
		t.Errorf("error handler saw %v, want the panic and the error", errs)
	}
	sleep := kitthrift.NewClient(addr, sleepCall)
	defer sleep.Close()
	if got, err := sleep.Endpoint()(context.Background(), int64(1)); err != nil || got != int64(1) {
		t.Errorf("Sleep(1) afterwards = %v, %v", got, err)
	}
}
