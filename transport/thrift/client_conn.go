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
	"time"

	"github.com/apache/thrift/lib/go/thrift"

	"github.com/endpointkit/kit/endpoint"
)

// clientConn is one pooled connection, and the thrift.TClient a CallFunc
// calls through. It is used by one call at a time.
type clientConn struct {
	nc     net.Conn
	raw    *clientTransport
	proto  thrift.TProtocol
	header *thrift.THeaderProtocol // nil unless the protocol is THeader
	seq    int32
	broken bool // the stream can't be trusted: close instead of reusing

	writeHeaders thrift.THeaderMap // from ClientBefore, for the current call
	readHeaders  thrift.THeaderMap // the last reply's
}

func newClientConn(c *Client, nc net.Conn) *clientConn {
	cfg := newConfiguration(c.maxSize)
	raw := &clientTransport{nc: nc, br: bufio.NewReaderSize(nc, 4096), maxSize: c.maxSize, header: c.protocol == ProtocolHeader}
	var trans thrift.TTransport = raw
	if c.framed && c.protocol != ProtocolHeader {
		trans = thrift.NewTFramedTransportConf(raw, cfg)
	}
	cc := &clientConn{nc: nc, raw: raw, proto: newProtocol(c.protocol, trans, cfg)}
	cc.header, _ = cc.proto.(*thrift.THeaderProtocol)
	return cc
}

// aLongTimeAgo is a deadline in the past: setting it interrupts blocked I/O.
var aLongTimeAgo = time.Unix(1, 0)

// call runs the Client's CallFunc on cc, with cc's deadlines following ctx.
func (c *Client) call(ctx context.Context, cc *clientConn, request any) (any, error) {
	deadline, _ := ctx.Deadline() // zero: none
	if err := cc.nc.SetDeadline(deadline); err != nil {
		cc.broken = true
		return nil, fmt.Errorf("thrift: call %s: %w", c.addr, err)
	}
	// Cancellation interrupts blocked reads and writes; the connection is
	// then in an unknown state and is not reused.
	var stop func() bool
	if ctx.Done() != nil { // a context that can't end needs no watch
		stop = context.AfterFunc(ctx, func() { _ = cc.nc.SetDeadline(aLongTimeAgo) })
	}
	response, err := c.fn(ctx, cc, request)
	if stop != nil && !stop() {
		cc.broken = true
	}
	if err != nil && ctx.Err() != nil {
		// Say why the call ended: the caller's deadline or cancellation
		// (or this hop's own timeout), not the I/O error it caused.
		return nil, &callError{addr: c.addr, err: err, ctxErr: context.Cause(ctx)}
	}
	return response, err
}

// callError is a call that ended because its context did.
type callError struct {
	addr   string
	err    error // what the I/O returned
	ctxErr error // the context's cause
}

func (e *callError) Error() string {
	return fmt.Sprintf("thrift: call %s: %v (%v)", e.addr, e.ctxErr, e.err)
}

// Unwrap returns both errors, so that errors.Is(err,
// context.DeadlineExceeded) and errors.Is(err, endpoint.ErrTimeout) work.
func (e *callError) Unwrap() []error { return []error{e.ctxErr, e.err} }

// Call implements thrift.TClient: it writes one request on the connection
// and reads its reply.
func (cc *clientConn) Call(ctx context.Context, method string, args, result thrift.TStruct) (thrift.ResponseMeta, error) {
	var meta thrift.ResponseMeta
	cc.readHeaders = nil
	cc.seq++
	seq := cc.seq
	p := cc.proto
	if cc.header != nil {
		cc.header.ClearWriteHeaders()
		n := 16 // protocol id, transforms, info-header type and count
		set := func(k, v string) {
			cc.header.SetWriteHeader(k, v)
			n += len(k) + len(v) + 10 // each behind a varint length
		}
		for _, k := range thrift.GetWriteHeaderList(ctx) {
			if v, ok := thrift.GetHeader(ctx, k); ok {
				set(k, v)
			}
		}
		for k, v := range cc.writeHeaders {
			set(k, v)
		}
		if v, ok := timeoutValue(ctx, time.Now()); ok {
			set(TimeoutHeader, v)
		}
		if n > maxHeaderBlock {
			cc.header.ClearWriteHeaders()
			return meta, fmt.Errorf("thrift: call %s: %w", method, endpoint.WithOutcome(
				fmt.Errorf("%w: %d bytes of headers, THeader carries at most %d", ErrHeadersTooLarge, n, maxHeaderBlock),
				endpoint.Outcome{Kind: endpoint.CallerError}))
		}
	}
	typ := thrift.CALL
	if result == nil {
		typ = thrift.ONEWAY
	}
	if err := cc.write(ctx, method, typ, seq, args); err != nil {
		return meta, cc.fail(method, err)
	}
	if result == nil {
		return meta, nil
	}
	name, mtype, rseq, err := p.ReadMessageBegin(ctx)
	if err != nil {
		return meta, cc.fail(method, err)
	}
	if cc.header != nil {
		cc.readHeaders = cc.header.GetReadHeaders()
		meta.Headers = cc.readHeaders
	}
	switch {
	case rseq != seq:
		cc.broken = true
		return meta, replyError(thrift.BAD_SEQUENCE_ID, fmt.Sprintf("%s: reply to request %d, want %d", method, rseq, seq))
	case name != method:
		cc.broken = true
		return meta, replyError(thrift.WRONG_METHOD_NAME, fmt.Sprintf("%s: reply names method %.64q", method, name))
	case mtype == thrift.EXCEPTION:
		exc := thrift.NewTApplicationException(thrift.UNKNOWN_APPLICATION_EXCEPTION, "")
		if err := exc.Read(ctx, p); err != nil { // Read fills exc itself
			return meta, cc.fail(method, err)
		}
		if err := p.ReadMessageEnd(ctx); err != nil {
			return meta, cc.fail(method, err)
		}
		return meta, clientException(exc.TypeId(), exc.Error())
	case mtype != thrift.REPLY:
		cc.broken = true
		return meta, replyError(thrift.INVALID_MESSAGE_TYPE_EXCEPTION, fmt.Sprintf("%s: reply of message type %d", method, mtype))
	}
	if err := result.Read(ctx, p); err != nil {
		return meta, cc.fail(method, err)
	}
	if err := p.ReadMessageEnd(ctx); err != nil {
		return meta, cc.fail(method, err)
	}
	return meta, nil
}

// write sends one request message.
func (cc *clientConn) write(ctx context.Context, method string, typ thrift.TMessageType, seq int32, args thrift.TStruct) error {
	p := cc.proto
	if err := p.WriteMessageBegin(ctx, method, typ, seq); err != nil {
		return err
	}
	if err := args.Write(ctx, p); err != nil {
		return err
	}
	if err := p.WriteMessageEnd(ctx); err != nil {
		return err
	}
	return p.Flush(ctx)
}

// fail marks cc broken and wraps err, a failure to write or read.
func (cc *clientConn) fail(method string, err error) error {
	cc.broken = true
	return fmt.Errorf("thrift: call %s: %w", method, err)
}

// clientException returns the error for an exception of type typ, received
// or detected by a client, classified by what its type says.
func clientException(typ int32, msg string) *ApplicationError {
	var o endpoint.Outcome
	switch typ {
	case ExceptionOverloaded:
		o = endpoint.Outcome{Kind: endpoint.Overloaded, Retryable: true}
	case thrift.PROTOCOL_ERROR, thrift.UNKNOWN_METHOD, thrift.INVALID_MESSAGE_TYPE_EXCEPTION,
		thrift.WRONG_METHOD_NAME, thrift.INVALID_TRANSFORM, thrift.INVALID_PROTOCOL,
		thrift.UNSUPPORTED_CLIENT_TYPE, thrift.VALIDATION_FAILED,
		ExceptionUnauthenticated, ExceptionPermissionDenied:
		o = endpoint.Outcome{Kind: endpoint.CallerError}
	case thrift.MISSING_RESULT:
		o = endpoint.Outcome{Kind: endpoint.DependencyFailure}
	default: // INTERNAL_ERROR, ExceptionTimeout, BAD_SEQUENCE_ID, unknown types
		o = endpoint.Outcome{Kind: endpoint.DependencyFailure, Retryable: true}
	}
	return &ApplicationError{Type: typ, Message: msg, Class: o}
}

// replyError returns the error for a reply that does not answer the
// request: the peer is at fault, and the connection is not reused.
func replyError(typ int32, msg string) *ApplicationError {
	return &ApplicationError{Type: typ, Message: msg, Class: endpoint.Outcome{Kind: endpoint.DependencyFailure, Retryable: true}}
}

// IsApplicationError reports whether err is, or wraps, an exception a
// server sent (or a client detected in a reply).
func IsApplicationError(err error) bool {
	var ae *ApplicationError
	return errors.As(err, &ae)
}

// clientTransport is the socket under a client's protocol: buffered reads,
// and writes collected until Flush sends them in one write. Under THeader it
// reads each reply frame whole and checks it (checkFrame) before the
// library sees it, so that a server cannot make the client expand a small
// zlib frame into gigabytes.
type clientTransport struct {
	nc      net.Conn
	br      *bufio.Reader
	wbuf    bytes.Buffer
	header  bool
	maxSize int
	frame   []byte // the rest of the current reply frame (header)
	fbuf    bytes.Buffer
}

func (t *clientTransport) Read(p []byte) (int, error) {
	if !t.header {
		return t.br.Read(p)
	}
	if len(t.frame) == 0 {
		if err := t.readFrame(); err != nil {
			return 0, err
		}
	}
	n := copy(p, t.frame)
	t.frame = t.frame[n:]
	return n, nil
}

// readFrame reads and checks the next reply frame, length prefix included.
func (t *clientTransport) readFrame() error {
	b, err := t.br.Peek(4)
	if err != nil {
		return err
	}
	size := binary.BigEndian.Uint32(b)
	if size == 0 || size > uint32(t.maxSize) {
		return fmt.Errorf("%w: %d-byte reply frame (limit %d)", ErrMessageTooLarge, size, t.maxSize)
	}
	t.fbuf.Reset()
	if _, err := io.CopyN(&t.fbuf, t.br, 4+int64(size)); err != nil {
		return err
	}
	t.frame = t.fbuf.Bytes()
	return checkFrame(t.frame[4:], t.maxSize)
}

func (t *clientTransport) ReadByte() (byte, error) {
	if !t.header {
		return t.br.ReadByte()
	}
	var b [1]byte
	if _, err := io.ReadFull(t, b[:]); err != nil {
		return 0, err
	}
	return b[0], nil
}

func (t *clientTransport) Write(p []byte) (int, error)       { return t.wbuf.Write(p) }
func (t *clientTransport) WriteByte(b byte) error            { return t.wbuf.WriteByte(b) }
func (t *clientTransport) WriteString(s string) (int, error) { return t.wbuf.WriteString(s) }
func (t *clientTransport) Flush(context.Context) error {
	defer t.wbuf.Reset()
	_, err := t.nc.Write(t.wbuf.Bytes())
	return err
}
func (t *clientTransport) RemainingBytes() uint64 { return ^uint64(0) }
func (t *clientTransport) Open() error            { return nil }
func (t *clientTransport) IsOpen() bool           { return true }
func (t *clientTransport) Close() error           { return t.nc.Close() }

// maxHeaderBlock is the most a THeader frame's header block can hold: its
// length travels as a 16-bit count of 4-byte words. The library would
// write a longer block with a truncated length, a frame the server cannot
// parse.
const maxHeaderBlock = 0xffff * 4

// ErrHeadersTooLarge is the error of a call over THeader whose headers
// (from ClientBefore hooks or the context) exceed what the protocol can
// carry, about 256 KiB; the call is not sent, and the connection stays
// usable. It is the caller's error (endpoint.CallerError).
var ErrHeadersTooLarge = errors.New("thrift: headers too large")
