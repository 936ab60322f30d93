package thrift

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
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

// Read implements thrift.TTransport.
func (c *conn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	switch {
	case c.header != nil:
		return c.readHeader(p)
	case c.srv.settings.Framed:
		return c.readFramed(p)
	}
	return c.readStream(p)
}

// readStream reads an unframed stream, at most MaxMessageSize bytes per
// request.
func (c *conn) readStream(p []byte) (int, error) {
	if err := c.await(); err != nil {
		return 0, err
	}
	max := c.srv.settings.MaxMessageSize
	if c.read >= max {
		return 0, fmt.Errorf("%w: more than %d bytes", ErrMessageTooLarge, max)
	}
	n, err := c.br.Read(p[:min(len(p), max-c.read)])
	c.read += n
	return n, err
}

// readFramed serves a frame's payload, reading the next frame's length when
// the current one is spent.
func (c *conn) readFramed(p []byte) (int, error) {
	if c.left == 0 {
		size, err := c.frameSize()
		if err != nil {
			return 0, err
		}
		if _, err := c.br.Discard(4); err != nil {
			return 0, err
		}
		c.left = size
	}
	if err := c.await(); err != nil {
		return 0, err
	}
	n, err := c.br.Read(p[:min(len(p), c.left)])
	c.left -= n
	return n, err
}

// frameSize peeks at a frame's 4-byte length and checks it.
func (c *conn) frameSize() (int, error) {
	if err := c.await(); err != nil {
		return 0, err
	}
	b, err := c.peek(4)
	if err != nil {
		return 0, err
	}
	size := binary.BigEndian.Uint32(b)
	if size == 0 || size > uint32(c.srv.settings.MaxMessageSize) {
		return 0, fmt.Errorf("%w: %d-byte frame (limit %d)", ErrMessageTooLarge, size, c.srv.settings.MaxMessageSize)
	}
	return int(size), nil
}

// peek returns the next n buffered bytes, waiting for them within the read
// timeout.
func (c *conn) peek(n int) ([]byte, error) {
	for c.br.Buffered() < n {
		if err := c.await(); err != nil {
			return nil, err
		}
		if _, err := c.br.Peek(c.br.Buffered() + 1); err != nil {
			return nil, err
		}
	}
	return c.br.Peek(n)
}

// readHeader serves the THeader transport. A client's first bytes tell
// whether it frames its messages (THeader, framed binary or compact) or not
// (unframed binary or compact); an unframed client is read as a stream. A
// framed client's every frame is read whole and checked (checkFrame) before
// the library sees it, length prefix included.
func (c *conn) readHeader(p []byte) (int, error) {
	if c.sticky == 0 {
		if err := c.await(); err != nil {
			return 0, err
		}
		b, err := c.peek(2)
		if err != nil {
			return 0, err
		}
		c.sticky = 1
		if unframed(b) {
			c.sticky = -1
		}
	}
	if c.sticky < 0 {
		return c.readStream(p)
	}
	if len(c.frame) == 0 {
		if err := c.readFrame(); err != nil {
			return 0, err
		}
	}
	n := copy(p, c.frame)
	c.frame = c.frame[n:]
	return n, nil
}

// readFrame reads and checks the next frame. The buffer grows as bytes
// arrive, so a length that lies costs nothing until the bytes come.
func (c *conn) readFrame() error {
	size, err := c.frameSize()
	if err != nil {
		return err
	}
	c.frameBuf.Reset()
	if c.frameBuf.Cap() > 64<<10 {
		c.frameBuf = bytes.Buffer{} // don't keep a large frame's memory for an idle connection
	}
	for c.frameBuf.Len() < 4+size {
		if err := c.await(); err != nil {
			return err
		}
		want := 4 + size - c.frameBuf.Len()
		chunk, _ := c.br.Peek(min(c.br.Buffered(), want))
		c.frameBuf.Write(chunk)
		_, _ = c.br.Discard(len(chunk))
	}
	c.frame = c.frameBuf.Bytes()
	return checkFrame(c.frame[4:], c.srv.settings.MaxMessageSize)
}

// ReadByte implements io.ByteReader, which the binary and compact
// protocols use for single bytes; without it the library reads each through
// a one-byte slice that escapes to the heap.
func (c *conn) ReadByte() (byte, error) {
	switch {
	case c.header != nil && c.sticky > 0 && len(c.frame) > 0:
		b := c.frame[0]
		c.frame = c.frame[1:]
		return b, nil
	case c.header != nil, c.srv.settings.Framed && c.left == 0:
		// The general path (it allocates the byte): at a frame's start,
		// or under THeader, whose library transport reads with Read.
		var b [1]byte
		if _, err := io.ReadFull(c, b[:]); err != nil {
			return 0, err
		}
		return b[0], nil
	}
	if err := c.await(); err != nil {
		return 0, err
	}
	if c.srv.settings.Framed {
		c.left--
	} else {
		if c.read >= c.srv.settings.MaxMessageSize {
			return 0, fmt.Errorf("%w: more than %d bytes", ErrMessageTooLarge, c.srv.settings.MaxMessageSize)
		}
		c.read++
	}
	return c.br.ReadByte()
}

// Write implements thrift.TTransport: the reply is collected until serve
// sends it.
func (c *conn) Write(p []byte) (int, error) { return c.wbuf.Write(p) }

// WriteByte implements io.ByteWriter.
func (c *conn) WriteByte(b byte) error { return c.wbuf.WriteByte(b) }

// WriteString implements io.StringWriter.
func (c *conn) WriteString(s string) (int, error) { return c.wbuf.WriteString(s) }

// Flush implements thrift.TTransport. It sends nothing: serve sends the
// reply once the processor returned.
func (c *conn) Flush(context.Context) error { return nil }

// send writes the collected reply, framed if the protocol is.
func (c *conn) send() error {
	if c.wbuf.Len() == 0 {
		return nil
	}
	defer c.wbuf.Reset()
	if d := c.srv.settings.WriteTimeout; d > 0 {
		if err := c.nc.SetWriteDeadline(time.Now().Add(d)); err != nil {
			return err
		}
	}
	if c.header == nil && c.srv.settings.Framed {
		var size [4]byte
		binary.BigEndian.PutUint32(size[:], uint32(c.wbuf.Len()))
		bufs := net.Buffers{size[:], c.wbuf.Bytes()}
		_, err := bufs.WriteTo(c.nc)
		return err
	}
	_, err := c.nc.Write(c.wbuf.Bytes())
	return err
}

// RemainingBytes implements thrift.TTransport: unknown.
func (c *conn) RemainingBytes() uint64 { return ^uint64(0) }

// Open implements thrift.TTransport: the connection is open already.
func (c *conn) Open() error { return nil }

// IsOpen implements thrift.TTransport: true until the server closes the
// connection. Generated code polls it while a handler runs (see
// thrift.ServerConnectivityCheckInterval); it costs no system call.
func (c *conn) IsOpen() bool { return c.state.Load() != stateClosed }

// Close implements thrift.TTransport.
func (c *conn) Close() error {
	c.close()
	return nil
}

// serve is the connection's goroutine: it reads requests one after the
// other and hands each to the processor.
func (c *conn) serve() {
	s := c.srv
	defer s.forget(c)
	defer c.close()

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
				s.handler.Handle(s.baseCtx, fmt.Errorf("thrift: connection from %v: %w", c.nc.RemoteAddr(), err))
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
	ctx := s.baseCtx
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
			c.srv.handler.Handle(ctx, &PanicError{Value: v, Stack: debug.Stack()})
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
		c.srv.handler.Handle(ctx, err)
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
