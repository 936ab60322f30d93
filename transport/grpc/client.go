package grpc

import (
	"context"
	"errors"
	"fmt"
	"reflect"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	"github.com/endpointkit/kit/endpoint"
)

// EncodeRequestFunc turns a request object into a gRPC request message.
type EncodeRequestFunc func(context.Context, any) (request any, err error)

// DecodeResponseFunc turns a gRPC reply message into a response object.
type DecodeResponseFunc func(context.Context, any) (response any, err error)

// ClientRequestFunc may add to the outgoing metadata from the context.
type ClientRequestFunc func(ctx context.Context, md *metadata.MD) context.Context

// ClientResponseFunc may take information from the reply's header and
// trailer metadata and put it into the context, before the reply is decoded.
type ClientResponseFunc func(ctx context.Context, header, trailer metadata.MD) context.Context

// ClientFinalizerFunc is called at the end of every client call, with the
// call's error (nil on success).
type ClientFinalizerFunc func(ctx context.Context, err error)

// Client wraps a remote gRPC method as an Endpoint. It is safe for
// concurrent use; its zero value is not usable, build one with NewClient.
type Client struct {
	conn      grpc.ClientConnInterface
	method    string
	enc       EncodeRequestFunc
	dec       DecodeResponseFunc
	replyType reflect.Type
	badReply  error
	before    []ClientRequestFunc
	after     []ClientResponseFunc
	finalizer []ClientFinalizerFunc
	callOpts  []grpc.CallOption
}

// ClientOption sets an optional parameter of a Client.
type ClientOption func(*Client)

// ErrBadReplyType is returned by every call of a Client built with a reply
// example that is not a pointer.
var ErrBadReplyType = errors.New("grpc: bad reply type")

// NewClient returns a Client for the method of serviceName (the fully
// qualified name, "pkg.Service") on conn. reply is an example of the reply
// message, such as &pb.SumReply{}: each call unmarshals into a new value of
// its type.
func NewClient(conn grpc.ClientConnInterface, serviceName, method string, enc EncodeRequestFunc, dec DecodeResponseFunc, reply any, options ...ClientOption) *Client {
	c := &Client{
		conn:   conn,
		method: "/" + serviceName + "/" + method,
		enc:    enc,
		dec:    dec,
	}
	if t := reflect.TypeOf(reply); t != nil && t.Kind() == reflect.Pointer {
		c.replyType = t.Elem()
	} else {
		// A wiring mistake; every call reports it rather than panicking.
		c.badReply = fmt.Errorf("%w: reply must be a pointer to a message, got %T", ErrBadReplyType, reply)
	}
	for _, o := range options {
		o(c)
	}
	return c
}

// ClientBefore adds functions that fill the outgoing metadata, in order.
func ClientBefore(before ...ClientRequestFunc) ClientOption {
	return func(c *Client) { c.before = append(c.before, before...) }
}

// ClientAfter adds functions run on the reply's metadata, in order.
func ClientAfter(after ...ClientResponseFunc) ClientOption {
	return func(c *Client) { c.after = append(c.after, after...) }
}

// ClientFinalizer adds functions run at the end of every call.
func ClientFinalizer(f ...ClientFinalizerFunc) ClientOption {
	return func(c *Client) { c.finalizer = append(c.finalizer, f...) }
}

// ClientCallOptions adds grpc.CallOptions to every call (compression,
// wait-for-ready, size limits...).
func ClientCallOptions(opts ...grpc.CallOption) ClientOption {
	return func(c *Client) { c.callOpts = append(c.callOpts, opts...) }
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
		if c.badReply != nil {
			return nil, c.badReply
		}
		req, err := c.enc(ctx, request)
		if err != nil {
			return nil, err
		}
		if len(c.before) > 0 {
			md, _ := metadata.FromOutgoingContext(ctx) // a copy
			if md == nil {
				md = metadata.MD{}
			}
			for _, f := range c.before {
				ctx = f(ctx, &md)
			}
			ctx = metadata.NewOutgoingContext(ctx, md)
		}
		opts := c.callOpts
		var header, trailer metadata.MD
		if len(c.after) > 0 {
			// Only pay for the metadata when someone reads it.
			opts = append(opts[:len(opts):len(opts)], grpc.Header(&header), grpc.Trailer(&trailer))
		}
		reply := reflect.New(c.replyType).Interface()
		if err := c.conn.Invoke(ctx, c.method, req, reply, opts...); err != nil {
			return nil, clientError(err)
		}
		for _, f := range c.after {
			ctx = f(ctx, header, trailer)
		}
		return c.dec(ctx, reply)
	}
}
