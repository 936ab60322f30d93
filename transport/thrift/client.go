package thrift

import (
	"context"
	"fmt"
	"io"
	"net"
	"sync"

	"github.com/apache/thrift/lib/go/thrift"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/loadbalancer"
)

// CallFunc calls one remote method through c, a thrift.TClient holding one
// connection for the duration of the call, usually by building the
// generated client over it:
//
//	func(ctx context.Context, c thrift.TClient, request any) (any, error) {
//		req := request.(SumRequest)
//		return addthrift.NewAddClient(c).Sum(ctx, req.A, req.B)
//	}
//
// It encodes the request into the method's arguments and the reply into a
// response: it plays both the EncodeRequestFunc and the DecodeResponseFunc
// of the other transports, because a generated client method takes typed
// arguments. It must not keep c after it returns.
type CallFunc func(ctx context.Context, c thrift.TClient, request any) (response any, err error)

// ClientRequestFunc may add to the headers sent with a request, from the
// context. They reach servers of the header protocol only.
type ClientRequestFunc func(ctx context.Context, header thrift.THeaderMap) context.Context

// ClientResponseFunc may take information from the reply's headers (empty
// unless the protocol is THeader) and put it into the context. It must not
// modify header.
type ClientResponseFunc func(ctx context.Context, header thrift.THeaderMap) context.Context

// ClientFinalizerFunc is called at the end of every client call, with the
// call's error (nil on success).
type ClientFinalizerFunc func(ctx context.Context, err error)

// Client calls one remote method over a pool of connections to one address,
// as an Endpoint. Each call takes a connection of its own (generated clients
// and Thrift connections are not safe for concurrent use), dialling when
// none is idle, and gives it back when the reply is read; a connection that
// failed, or whose call was cancelled or ran out of time, is closed instead.
//
// The call's context bounds it: its deadline and cancellation interrupt
// dialling, writing and reading, and over THeader its deadline travels to
// the server in TimeoutHeader. Errors classify with kit's failure model:
// an exception the server sent is an [*ApplicationError] (see the package
// doc), a connection failure a retryable DependencyFailure, a cancelled or
// expired call the caller's own, declared IDL exceptions are returned as
// the generated code returns them.
//
// A Client is safe for concurrent use. Close closes its idle connections
// and those in use once their calls end.
type Client struct {
	addr      string
	fn        CallFunc
	protocol  Protocol
	framed    bool
	maxIdle   int
	maxSize   int
	dial      func(ctx context.Context, network, addr string) (net.Conn, error)
	before    []ClientRequestFunc
	after     []ClientResponseFunc
	finalizer []ClientFinalizerFunc

	mu     sync.Mutex // guards idle, closed
	idle   []*clientConn
	closed bool
}

// ClientOption sets an optional parameter of a Client.
type ClientOption func(*Client)

// DefaultMaxIdleConns is how many idle connections a Client keeps by
// default.
const DefaultMaxIdleConns = 16

// NewClient returns a Client calling addr ("host:port") through call. It
// dials lazily: the first call opens the first connection.
func NewClient(addr string, call CallFunc, options ...ClientOption) *Client {
	var d net.Dialer
	c := &Client{
		addr:    addr,
		fn:      call,
		maxIdle: DefaultMaxIdleConns,
		maxSize: DefaultMaxMessageSize,
		dial:    d.DialContext,
	}
	for _, o := range options {
		o(c)
	}
	return c
}

// NewFactory returns a loadbalancer.Factory of Clients with call and
// options, one per instance: the io.Closer it returns is the Client.
func NewFactory(call CallFunc, options ...ClientOption) loadbalancer.Factory {
	return func(instance string) (endpoint.Endpoint, io.Closer, error) {
		c := NewClient(instance, call, options...)
		return c.Endpoint(), c, nil
	}
}

// ClientProtocol sets the protocol spoken. By default it is ProtocolHeader.
func ClientProtocol(p Protocol) ClientOption { return func(c *Client) { c.protocol = p } }

// ClientFramed frames each message of the binary, compact or JSON protocol
// (TFramedTransport's format). THeader is always framed.
func ClientFramed() ClientOption { return func(c *Client) { c.framed = true } }

// ClientMaxIdleConns sets how many idle connections the Client keeps for
// later calls; more are closed when their call ends. By default
// DefaultMaxIdleConns; zero or less keeps none.
func ClientMaxIdleConns(n int) ClientOption { return func(c *Client) { c.maxIdle = n } }

// ClientMaxMessageSize bounds a reply: a frame, a string, a container, and
// over THeader a zlib payload once expanded (a larger reply is
// ErrMessageTooLarge, and the connection is dropped). By default
// DefaultMaxMessageSize.
func ClientMaxMessageSize(n int) ClientOption {
	return func(c *Client) {
		if n > 0 {
			c.maxSize = n
		}
	}
}

// ClientDialer sets how connections are opened. By default a zero
// net.Dialer's DialContext.
func ClientDialer(dial func(ctx context.Context, network, addr string) (net.Conn, error)) ClientOption {
	return func(c *Client) { c.dial = dial }
}

// ClientBefore adds functions that fill the request's headers, in order.
func ClientBefore(before ...ClientRequestFunc) ClientOption {
	return func(c *Client) { c.before = append(c.before, before...) }
}

// ClientAfter adds functions run on the reply's headers after a
// successful call, in order.
func ClientAfter(after ...ClientResponseFunc) ClientOption {
	return func(c *Client) { c.after = append(c.after, after...) }
}

// ClientFinalizer adds functions run at the end of every call.
func ClientFinalizer(f ...ClientFinalizerFunc) ClientOption {
	return func(c *Client) { c.finalizer = append(c.finalizer, f...) }
}

// Endpoint returns an Endpoint that calls the remote method.
func (c *Client) Endpoint() endpoint.Endpoint {
	return func(ctx context.Context, request any) (response any, err error) {
		if len(c.finalizer) > 0 {
			defer func() {
				for _, f := range c.finalizer {
					f(ctx, err)
				}
			}()
		}
		// The Before hooks run before a connection is taken, so that what
		// they start (a trace's client span) also sees a failed dial.
		var header thrift.THeaderMap
		if len(c.before) > 0 {
			header = thrift.THeaderMap{}
			for _, f := range c.before {
				ctx = f(ctx, header)
			}
		}
		cc, err := c.get(ctx)
		if err != nil {
			return nil, err
		}
		defer c.put(cc)
		cc.writeHeaders = header
		response, err = c.call(ctx, cc, request)
		if err != nil {
			return nil, err
		}
		for _, f := range c.after {
			ctx = f(ctx, cc.readHeaders)
		}
		return response, nil
	}
}

// get returns an idle connection or dials a new one.
func (c *Client) get(ctx context.Context) (*clientConn, error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil, fmt.Errorf("thrift: call %s: %w", c.addr, net.ErrClosed)
	}
	if n := len(c.idle); n > 0 {
		cc := c.idle[n-1]
		c.idle[n-1] = nil
		c.idle = c.idle[:n-1]
		c.mu.Unlock()
		return cc, nil
	}
	c.mu.Unlock()
	nc, err := c.dial(ctx, "tcp", c.addr)
	if err != nil {
		return nil, fmt.Errorf("thrift: dial %s: %w", c.addr, err)
	}
	return newClientConn(c, nc), nil
}

// put gives cc back to the pool, or closes it.
func (c *Client) put(cc *clientConn) {
	c.mu.Lock()
	if cc.broken || c.closed || len(c.idle) >= c.maxIdle {
		c.mu.Unlock()
		_ = cc.nc.Close()
		return
	}
	c.idle = append(c.idle, cc)
	c.mu.Unlock()
}

// Close closes the idle connections; connections in use close when their
// calls end. Calls after Close fail.
func (c *Client) Close() error {
	c.mu.Lock()
	c.closed = true
	idle := c.idle
	c.idle = nil
	c.mu.Unlock()
	for _, cc := range idle {
		_ = cc.nc.Close()
	}
	return nil
}
