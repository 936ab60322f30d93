package thrift

import (
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/thrift/lib/go/thrift"
)

// Defaults of ConnSettings' zero fields.
const (
	DefaultMaxMessageSize = 4 << 20
	DefaultReadTimeout    = 10 * time.Second
	DefaultWriteTimeout   = 10 * time.Second
	DefaultIdleTimeout    = 2 * time.Minute
	DefaultMaxConns       = 4096
)

// ErrServerClosed is returned by ConnServer.Serve after Shutdown or Close.
var ErrServerClosed = errors.New("thrift: server closed")

// ConnSettings configures a ConnServer. The zero value serves THeader
// (and binary and compact clients) with the defaults above.
type ConnSettings struct {
	// Protocol is the protocol spoken. Zero means ProtocolHeader.
	Protocol Protocol
	// Framed makes a server of the binary, compact or JSON protocol expect
	// each message in a frame (a 4-byte big-endian length first), as
	// TFramedTransport sends them. ProtocolHeader ignores it: THeader is
	// framed, and the server tells framed from unframed clients itself.
	Framed bool
	// MaxMessageSize bounds a request: a frame, a message read from an
	// unframed stream, a zlib payload once expanded, any one string or
	// container. A larger request closes the connection. Zero means
	// DefaultMaxMessageSize (4 MiB).
	MaxMessageSize int
	// ReadTimeout bounds the time from a request's first byte to its last;
	// it ends slow senders. Zero means DefaultReadTimeout; negative, none.
	ReadTimeout time.Duration
	// WriteTimeout bounds the writing of one reply to a peer that does not
	// read. Zero means DefaultWriteTimeout; negative, none.
	WriteTimeout time.Duration
	// IdleTimeout is how long a connection may wait for its next request.
	// Zero means DefaultIdleTimeout; negative, forever.
	IdleTimeout time.Duration
	// MaxConns bounds open connections. A connection accepted beyond it
	// closes an idle connection to make room, or is itself closed at once
	// when every connection is busy. Zero means DefaultMaxConns.
	MaxConns int
	// ErrorHandler observes errors: connections dropped for bad input or
	// failed I/O, panics in handlers, errors of handlers that do not go
	// through a Server. Nil means they are not observed.
	ErrorHandler ErrorHandler
	// BaseContext returns the context every request's context derives
	// from. Nil means context.Background(). Close cancels it.
	BaseContext func() context.Context
}

// ConnServer serves a generated Thrift processor on network connections, as
// net/http's Server serves a Handler: Serve accepts connections, Shutdown
// stops gracefully, Close at once. It is kit's replacement for
// thrift.TSimpleServer: it bounds what a peer can make it allocate, time
// out slow and idle peers, recovers panics, and never sends an undeclared
// error's text to the client (see the package doc).
//
// A ConnServer is safe for concurrent use. Build one with NewConnServer; it
// serves once: after Shutdown or Close, Serve returns ErrServerClosed.
type ConnServer struct {
	processor thrift.TProcessor
	procs     map[string]thrift.TProcessorFunction
	methods   map[string]any // the names in procs, boxed once for contexts
	settings  ConnSettings
	cfg       *thrift.TConfiguration
	handler   ErrorHandler
	baseCtx   context.Context
	cancel    context.CancelFunc

	closing atomic.Bool   // set once by Shutdown or Close
	idleSeq atomic.Uint64 // counts connections becoming idle

	mu        sync.Mutex // guards listeners, conns, done
	listeners map[net.Listener]struct{}
	conns     map[*conn]struct{}
	done      chan struct{} // closed when conns empties after closing
}

// NewConnServer returns a ConnServer for processor (a generated
// NewXxxProcessor(handler)).
func NewConnServer(processor thrift.TProcessor, settings ConnSettings) *ConnServer {
	s := settings
	if s.MaxMessageSize <= 0 {
		s.MaxMessageSize = DefaultMaxMessageSize
	}
	s.ReadTimeout = orDefault(s.ReadTimeout, DefaultReadTimeout)
	s.WriteTimeout = orDefault(s.WriteTimeout, DefaultWriteTimeout)
	s.IdleTimeout = orDefault(s.IdleTimeout, DefaultIdleTimeout)
	if s.MaxConns <= 0 {
		s.MaxConns = DefaultMaxConns
	}
	h := s.ErrorHandler
	if h == nil {
		h = ErrorHandlerFunc(func(context.Context, error) {})
	}
	base := context.Background()
	if s.BaseContext != nil {
		base = s.BaseContext()
	}
	ctx, cancel := context.WithCancel(base)
	procs := processor.ProcessorMap()
	methods := make(map[string]any, len(procs))
	for name := range procs {
		methods[name] = name
	}
	return &ConnServer{
		processor: processor,
		procs:     procs,
		methods:   methods,
		settings:  s,
		cfg:       newConfiguration(s.MaxMessageSize),
		handler:   h,
		baseCtx:   ctx,
		cancel:    cancel,
		listeners: map[net.Listener]struct{}{},
		conns:     map[*conn]struct{}{},
	}
}

// orDefault returns def for zero, 0 (no limit) for a negative d, and d
// otherwise.
func orDefault(d, def time.Duration) time.Duration {
	switch {
	case d == 0:
		return def
	case d < 0:
		return 0
	}
	return d
}

// Serve accepts connections on ln and serves each in its own goroutine,
// until ln fails or the server is shut down; then it returns ErrServerClosed
// (after Shutdown or Close) or the listener's error. Serve closes ln.
// Temporary accept errors are retried with a backoff of up to a second.
func (s *ConnServer) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.closing.Load() {
		s.mu.Unlock()
		_ = ln.Close()
		return ErrServerClosed
	}
	s.listeners[ln] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, ln)
		s.mu.Unlock()
		_ = ln.Close()
	}()

	var backoff time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			if s.closing.Load() {
				return ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				report(s.baseCtx, s.handler, err, nil)
				time.Sleep(backoff)
				continue
			}
			return err
		}
		backoff = 0
		if c := s.track(nc); c != nil {
			go c.serve()
		}
	}
}

// track registers a new connection, making room under MaxConns by closing
// an idle one. It returns nil when nc was refused (and closed).
func (s *ConnServer) track(nc net.Conn) *conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing.Load() {
		_ = nc.Close()
		return nil
	}
	if len(s.conns) >= s.settings.MaxConns && s.open() >= s.settings.MaxConns && !s.evictIdle() {
		_ = nc.Close()
		return nil
	}
	c := newConn(s, nc)
	s.conns[c] = struct{}{}
	return c
}

// open counts the connections not yet closed (a closed one stays in
// s.conns until its goroutine ends). s.mu must be held.
func (s *ConnServer) open() int {
	n := 0
	for c := range s.conns {
		if c.state.Load() != stateClosed {
			n++
		}
	}
	return n
}

// evictIdle closes the connection idle the longest, and reports whether
// there was one. s.mu must be held. It scans every connection: eviction
// happens only at the limit, where a scan is cheaper than keeping an
// ordered list up to date on every request.
func (s *ConnServer) evictIdle() bool {
	for {
		var oldest *conn
		for c := range s.conns {
			if c.state.Load() == stateIdle && (oldest == nil || c.idleSeq.Load() < oldest.idleSeq.Load()) {
				oldest = c
			}
		}
		if oldest == nil {
			return false
		}
		if oldest.closeIfIdle() {
			return true
		}
		// It became busy meanwhile: look again.
	}
}

// forget removes c once its goroutine is done.
func (s *ConnServer) forget(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	if len(s.conns) == 0 && s.done != nil {
		close(s.done)
		s.done = nil
	}
	s.mu.Unlock()
}

// Shutdown stops the server gracefully: listeners close at once, idle
// connections close at once, and busy connections close once their reply
// is written. It returns when every connection is closed, or when ctx ends:
// then it closes the remaining connections, cancels the requests' contexts,
// and returns ctx's error.
func (s *ConnServer) Shutdown(ctx context.Context) error {
	done := s.beginClose()
	s.mu.Lock()
	for c := range s.conns {
		c.closeIfIdle()
	}
	s.mu.Unlock()
	select {
	case <-done:
		s.cancel()
		return nil
	case <-ctx.Done():
		_ = s.Close()
		return ctx.Err()
	}
}

// Close closes listeners and connections at once and cancels the requests'
// contexts. Requests in flight get no reply.
func (s *ConnServer) Close() error {
	s.beginClose()
	s.cancel()
	s.mu.Lock()
	for c := range s.conns {
		c.close()
	}
	s.mu.Unlock()
	return nil
}

// beginClose marks the server closing, closes its listeners, and returns a
// channel closed when no connection is left.
func (s *ConnServer) beginClose() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closing.Store(true)
	for ln := range s.listeners {
		_ = ln.Close()
	}
	done := make(chan struct{})
	if len(s.conns) == 0 {
		close(done)
	} else if s.done == nil {
		s.done = done
	} else {
		done = s.done
	}
	return done
}
