package thrift

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"time"
)

// This file holds conn's side as a thrift.TTransport: how requests are
// read (bounded in time and size, frames checked whole) and replies
// collected and sent.

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
