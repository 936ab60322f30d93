package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/oklog/run"
	"google.golang.org/grpc"
)

// drain stops every server of the program at once, under one deadline.
//
// run.Group calls the actors' interrupts one after another, so an interrupt
// that waited for its server to drain held back every server after it: they
// kept accepting new requests, gRPC health kept saying SERVING, and each
// server's own timeout added up (three stuck requests made a 10s shutdown
// take 30s). Here every interrupt only calls begin, which starts all the
// drains together and returns; each actor's execute waits for the end of the
// drain, so that Run returns when everything has stopped.
type drain struct {
	timeout time.Duration

	mu     sync.Mutex // guards first, stops
	first  []func()   // run before any server stops (health says NOT_SERVING)
	stops  []func(context.Context)
	once   sync.Once
	closed chan struct{} // closed when every server has stopped
}

func newDrain(timeout time.Duration) *drain {
	return &drain{timeout: timeout, closed: make(chan struct{})}
}

// onBegin adds f, run before any server stops accepting.
func (d *drain) onBegin(f func()) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.first = append(d.first, f)
}

// add adds stop, which must stop its server accepting at once, let
// in-flight requests finish until ctx is done, and then end them.
func (d *drain) add(stop func(ctx context.Context)) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.stops = append(d.stops, stop)
}

// begin starts the drain, once, and returns without waiting for it.
func (d *drain) begin() {
	d.once.Do(func() {
		d.mu.Lock()
		first, stops := d.first, d.stops
		d.mu.Unlock()
		for _, f := range first {
			f()
		}
		ctx, cancel := context.WithTimeout(context.Background(), d.timeout)
		var wg sync.WaitGroup
		for _, stop := range stops {
			wg.Go(func() { stop(ctx) })
		}
		go func() {
			wg.Wait()
			cancel()
			close(d.closed)
		}()
	})
}

// done is closed when every server has stopped.
func (d *drain) done() <-chan struct{} { return d.closed }

// HTTP server limits. A request's headers must arrive within
// readHeaderTimeout; the default read timeout (the whole request, body
// included), write timeout (from the end of the headers to the end of the
// response, so it also bounds the handler) and idle timeout (a keep-alive
// connection between requests) come from flags. Without them, a client that
// sends a body slowly, or keeps a connection open and idle, holds a
// connection and a goroutine for ever.
const readHeaderTimeout = 10 * time.Second

// httpTimeouts are the flag-set limits of every HTTP server.
type httpTimeouts struct {
	read, write, idle time.Duration
}

// addHTTP adds an HTTP server on ln to g, stopped by d: on interrupt it
// stops accepting at once, lets in-flight requests finish until the
// drain's deadline, and then closes their connections.
func addHTTP(g *run.Group, d *drain, ln net.Listener, h http.Handler, to httpTimeouts) {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       to.read,
		WriteTimeout:      to.write,
		IdleTimeout:       to.idle,
	}
	d.add(func(ctx context.Context) {
		if err := srv.Shutdown(ctx); err != nil {
			_ = srv.Close() // the deadline passed: end what is left
		}
	})
	g.Add(func() error {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		<-d.done()
		return nil
	}, func(error) { d.begin() })
}

// addGRPC adds a gRPC server on ln to g, stopped by d like addHTTP's.
func addGRPC(g *run.Group, d *drain, ln net.Listener, srv *grpc.Server) {
	d.add(func(ctx context.Context) {
		stopped := make(chan struct{})
		go func() { srv.GracefulStop(); close(stopped) }()
		select {
		case <-stopped:
		case <-ctx.Done():
			srv.Stop() // in-flight calls took too long
			<-stopped
		}
	})
	g.Add(func() error {
		if err := srv.Serve(ln); err != nil {
			return err
		}
		<-d.done()
		return nil
	}, func(error) { d.begin() })
}
