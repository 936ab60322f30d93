package thrift

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/apache/thrift/lib/go/thrift"
)

// Connection states. Only the connection's own goroutine moves a connection
// between idle and busy; Shutdown and eviction move idle to closed, Close
// moves any state to closed.
const (
	stateIdle int32 = iota // waiting for the first byte of a request
	stateBusy              // reading, handling or answering a request
	stateClosed
)

// conn is one server connection, and the thrift.TTransport its protocol
// reads and writes: reads come from a buffer over the socket, bounded in
// time (idle, then read timeouts) and size (frames, messages); writes
// collect the reply, which serve sends in one write once the processor is
// done with it (so that an error's exception can replace a partial reply).
type conn struct {
	srv   *ConnServer
	nc    net.Conn
	br    *bufio.Reader
	state atomic.Int32
	// idleSeq orders idle connections by when they became idle (from the
	// server's idleSeq), so that eviction picks the one idle longest.
	idleSeq atomic.Uint64

	// Owned by the connection's goroutine.
	msgStart time.Time // first byte of the current request
	deadline time.Time // read deadline last set on nc
	read     int       // bytes of the current request read from an unframed stream
	frame    []byte    // the rest of the current frame (header protocol, framed client)
	frameBuf bytes.Buffer
	left     int  // bytes left in the current frame (framed binary, compact, JSON)
	sticky   int8 // header protocol: 0 unknown, 1 framed client, -1 unframed client
	wbuf     bytes.Buffer
	header   *thrift.THeaderProtocol // nil unless the protocol is THeader
	ctx      context.Context         // the server's, with the peer's address
}

var errConnClosed = errors.New("thrift: connection closed by the server")

func newConn(s *ConnServer, nc net.Conn) *conn {
	c := &conn{srv: s, nc: nc, br: bufio.NewReaderSize(nc, 4096)}
	c.idleSeq.Store(s.idleSeq.Add(1))
	return c
}

// closeIfIdle closes c if it is waiting for a request, and reports whether
// it did.
func (c *conn) closeIfIdle() bool {
	if c.state.CompareAndSwap(stateIdle, stateClosed) {
		_ = c.nc.Close()
		return true
	}
	return false
}

// close closes c whatever its state.
func (c *conn) close() {
	c.state.Store(stateClosed)
	_ = c.nc.Close()
}

// markBusy moves c from idle to busy when a request's first byte arrived.
// It fails when the server closed c first.
func (c *conn) markBusy() error {
	switch c.state.Load() {
	case stateBusy:
		return nil
	case stateClosed:
		return errConnClosed
	}
	if !c.state.CompareAndSwap(stateIdle, stateBusy) {
		return errConnClosed
	}
	c.msgStart = time.Now()
	return nil
}

// await makes sure a byte is buffered, waiting at most the idle timeout for
// a request's first byte, and the read timeout for the rest.
func (c *conn) await() error {
	if c.br.Buffered() > 0 {
		return c.markBusy()
	}
	var want time.Time
	if c.state.Load() == stateIdle {
		if d := c.srv.settings.IdleTimeout; d > 0 {
			want = time.Now().Add(d)
		}
	} else if d := c.srv.settings.ReadTimeout; d > 0 {
		want = c.msgStart.Add(d)
	}
	if !want.Equal(c.deadline) {
		if err := c.nc.SetReadDeadline(want); err != nil {
			return err
		}
		c.deadline = want
	}
	if _, err := c.br.Peek(1); err != nil {
		if c.state.Load() == stateClosed {
			return errConnClosed
		}
		return err
	}
	return c.markBusy()
}

// serve is the connection's goroutine: it reads requests one after the
// other and hands each to the processor.
func (c *conn) serve() {
	s := c.srv
	defer s.forget(c)
	defer c.close()

	c.ctx = context.WithValue(s.baseCtx, peerKey{}, c.nc.RemoteAddr().String())
	proto := newProtocol(s.settings.Protocol, c, s.cfg)
	if hp, ok := proto.(*thrift.THeaderProtocol); ok {
		c.header = hp
	}
	for first := true; ; first = false {
		if !first { // newConn numbered the first wait
			c.idleSeq.Store(s.idleSeq.Add(1))
		}
		c.state.Store(stateIdle)
		if s.closing.Load() {
			return
		}
		c.read = 0
		if err := c.serveOne(proto); err != nil {
			if !quietClose(err) {
				report(c.ctx, s.handler, fmt.Errorf("thrift: connection from %v: %w", c.nc.RemoteAddr(), err), nil)
			}
			return
		}
	}
}

// quietClose reports whether err is a normal end of a connection: the peer
// hung up between requests, the server closed it, or it stayed idle too
// long.
func quietClose(err error) bool {
	if errors.Is(err, errConnClosed) || errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) {
		return true
	}
	var te thrift.TTransportException
	if errors.As(err, &te) && te.TypeId() == thrift.END_OF_FILE {
		return true
	}
	return false
}

// serveOne reads one request, has the processor handle it, and sends the
// reply. An error ends the connection.
func (c *conn) serveOne(proto thrift.TProtocol) error {
	s := c.srv
	ctx := c.ctx
	name, typ, seq, err := proto.ReadMessageBegin(ctx)
	if err != nil {
		if c.state.Load() == stateIdle && isTimeout(err) {
			return errConnClosed // idle timeout
		}
		return err
	}
	if err := c.markBusy(); err != nil {
		return err
	}
	// The method's name, boxed once per server, and the peer, set once per
	// connection in c.ctx, name the call in error reports: one allocation
	// per request.
	if v, ok := s.methods[name]; ok {
		ctx = context.WithValue(ctx, methodKey{}, v)
	} else {
		ctx = context.WithValue(ctx, methodKey{}, name)
	}
	if c.header != nil {
		ctx = thrift.AddReadTHeaderToContext(ctx, c.header.GetReadHeaders())
		ctx = thrift.SetResponseHelper(ctx, thrift.TResponseHelper{
			THeaderResponseHelper: thrift.NewTHeaderResponseHelper(c.header),
		})
		defer c.header.ClearWriteHeaders()
	}
	if typ != thrift.CALL && typ != thrift.ONEWAY {
		if err := c.skip(ctx, proto); err != nil {
			return err
		}
		c.reply(ctx, proto, name, seq, thrift.INVALID_MESSAGE_TYPE_EXCEPTION, "message type must be call or oneway")
		return c.send()
	}
	fn, ok := s.procs[name]
	if !ok {
		if err := c.skip(ctx, proto); err != nil {
			return err
		}
		if len(name) > 64 {
			name = name[:64]
		}
		c.reply(ctx, proto, name, seq, thrift.UNKNOWN_METHOD, fmt.Sprintf("unknown method %q", name))
		return c.send()
	}
	keep, perr := c.process(ctx, fn, name, seq, proto)
	if perr != nil {
		if _, isDeclared := declared(perr); !isDeclared && keep {
			c.rewrite(ctx, proto, name, seq, perr)
		}
	}
	if err := c.send(); err != nil {
		return err
	}
	if !keep {
		// The request could not be read (the processor sent a protocol
		// error), or the handler abandoned it: the stream is not trusted.
		if perr == nil {
			perr = thrift.NewTTransportException(thrift.UNKNOWN_TRANSPORT_EXCEPTION, "request abandoned")
		}
		return perr
	}
	return nil
}

// process calls fn, recovering a panic into an INTERNAL_ERROR reply.
func (c *conn) process(ctx context.Context, fn thrift.TProcessorFunction, name string, seq int32, proto thrift.TProtocol) (keep bool, err thrift.TException) {
	defer func() {
		if v := recover(); v != nil {
			report(ctx, c.srv.handler, &PanicError{Value: v, Stack: debug.Stack()}, &ApplicationError{Type: thrift.INTERNAL_ERROR})
			_ = proto.Flush(ctx) // drop anything half written
			c.wbuf.Reset()
			c.reply(ctx, proto, name, seq, thrift.INTERNAL_ERROR, "internal error")
			keep, err = true, nil
		}
	}()
	return fn.Process(ctx, seq, proto, proto)
}

// rewrite replaces the exception the generated code wrote for a handler's
// error (thrift.INTERNAL_ERROR with the error's text) with the one kit
// chose: an *ApplicationError's type and message, or INTERNAL_ERROR with a
// generic message for any other error, which is reported.
func (c *conn) rewrite(ctx context.Context, proto thrift.TProtocol, name string, seq int32, err error) {
	typ, msg := int32(thrift.INTERNAL_ERROR), "internal error"
	var ae *ApplicationError
	if errors.As(err, &ae) {
		typ, msg = ae.Type, ae.Message
	} else {
		report(ctx, c.srv.handler, err, &ApplicationError{Type: thrift.INTERNAL_ERROR})
	}
	_ = proto.Flush(ctx)
	c.wbuf.Reset()
	c.reply(ctx, proto, name, seq, typ, msg)
}

// skip reads and drops a message's arguments.
func (c *conn) skip(ctx context.Context, proto thrift.TProtocol) error {
	if err := thrift.SkipDefaultDepth(ctx, proto, thrift.STRUCT); err != nil {
		return err
	}
	return proto.ReadMessageEnd(ctx)
}

// reply writes an application exception as the reply to seq.
func (c *conn) reply(ctx context.Context, proto thrift.TProtocol, name string, seq int32, typ int32, msg string) {
	exc := thrift.NewTApplicationException(typ, msg)
	_ = proto.WriteMessageBegin(ctx, name, thrift.EXCEPTION, seq)
	_ = exc.Write(ctx, proto)
	_ = proto.WriteMessageEnd(ctx)
	_ = proto.Flush(ctx)
}

// isTimeout reports whether err is a network timeout.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
