package grpc

import (
	"context"
	"errors"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/endpointkit/kit/endpoint"
)

// ClientInterceptorOption sets an optional parameter of
// [UnaryClientInterceptor] and [StreamClientInterceptor].
type ClientInterceptorOption func(*clientInterceptorConfig)

type clientInterceptorConfig struct {
	filter func(method string) bool
}

// ClientInterceptorFilter limits the middleware to the methods for which
// keep returns true (given the full name, "/pkg.Service/Method"); the
// others are invoked directly. By default every method goes through it.
func ClientInterceptorFilter(keep func(method string) bool) ClientInterceptorOption {
	return func(c *clientInterceptorConfig) { c.filter = keep }
}

// unaryCall is what the Endpoint beneath a unary client interceptor needs
// besides the request. It travels as the context, so that the middleware
// is applied once, not on every call, and sees the request message itself:
// it is a context.Context (the caller's, embedded) that answers its own key
// with itself, which costs one allocation where a context.WithValue beside
// it would cost two.
type unaryCall struct {
	context.Context
	method  string
	reply   any
	cc      *grpc.ClientConn
	invoker grpc.UnaryInvoker
	opts    []grpc.CallOption
}

type unaryCallKey struct{}

// Value implements context.Context.
func (c *unaryCall) Value(key any) any {
	if key == (unaryCallKey{}) {
		return c
	}
	return c.Context.Value(key)
}

// UnaryClientInterceptor returns a grpc.UnaryClientInterceptor that runs
// every call through mw: a circuit breaker, a rate or concurrency limit,
// metrics, logging, a retry, or an endpoint.Chain of them. Install it with
// grpc.WithChainUnaryInterceptor when dialling.
//
// The Endpoint mw wraps takes the request message and returns the reply
// message; it calls grpc's invoker with the context it is given (so a
// deadline a middleware sets travels as grpc-timeout). A failed call
// reaches mw as a [*ClientError], which classifies by its code in kit's
// failure model ([OutcomeOfCode]): a breaker counts Unavailable,
// DeadlineExceeded and ResourceExhausted, and ignores InvalidArgument,
// NotFound and the other codes that blame the request. mw may call the
// Endpoint more than once (a retry): each call invokes the method anew
// into the same reply message.
//
// The caller gets grpc's error wrapped in the *ClientError (status.Code,
// status.FromError and errors.Is see through it), or, for an error of the
// middleware's own (a breaker's or limiter's refusal), a
// [*ClientInterceptorError] that wraps it (errors.Is(err,
// circuitbreaker.ErrOpen) holds) and carries the status a kit Server would
// send for it ([StatusOf]): ResourceExhausted for a refusal, so that
// callers that switch on status codes see one.
//
// The middleware is applied once, when UnaryClientInterceptor is called;
// a call costs one allocation on top of what mw costs.
func UnaryClientInterceptor(mw endpoint.Middleware, opts ...ClientInterceptorOption) grpc.UnaryClientInterceptor {
	var cfg clientInterceptorConfig
	for _, o := range opts {
		o(&cfg)
	}
	e := mw(func(ctx context.Context, req any) (any, error) {
		c, ok := ctx.Value(unaryCallKey{}).(*unaryCall)
		if !ok {
			return nil, errNoCall
		}
		if err := c.invoker(ctx, c.method, req, c.reply, c.cc, c.opts...); err != nil {
			return nil, clientError(err)
		}
		return c.reply, nil
	})
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		if cfg.filter != nil && !cfg.filter(method) {
			return invoker(ctx, method, req, reply, cc, opts...)
		}
		c := &unaryCall{Context: ctx, method: method, reply: reply, cc: cc, invoker: invoker, opts: opts}
		_, err := e(c, req)
		return callerError(err)
	}
}

// streamCall is what the Endpoint beneath a stream client interceptor
// needs, as the context; see unaryCall.
type streamCall struct {
	context.Context
	desc     *grpc.StreamDesc
	cc       *grpc.ClientConn
	method   string
	streamer grpc.Streamer
	opts     []grpc.CallOption
}

type streamCallKey struct{}

// Value implements context.Context.
func (c *streamCall) Value(key any) any {
	if key == (streamCallKey{}) {
		return c
	}
	return c.Context.Value(key)
}

// StreamClientInterceptor returns a grpc.StreamClientInterceptor that runs
// the establishment of every stream through mw. Install it with
// grpc.WithChainStreamInterceptor when dialling.
//
// What mw covers is the call that opens the stream: the Endpoint it wraps
// takes the *grpc.StreamDesc and returns the grpc.ClientStream. A breaker
// or limiter there can refuse to open a stream, and counts the failures of
// opening one (no connection to the server with wait-for-ready off, a
// refusal the server sends before any message), classified as for
// [UnaryClientInterceptor]. It does not see the messages, nor how the
// stream ends: grpc often reports a server's error only on the first
// RecvMsg, after mw has returned. Middlewares that time a call time the
// opening only.
//
// The stream lives on after mw returns, under the context the Endpoint
// received: a middleware that cancels its context when it returns
// (endpoint.Timeout does) would end every stream at once. Give streams
// their deadline through the caller's context instead.
//
// Errors reach the caller as for [UnaryClientInterceptor].
func StreamClientInterceptor(mw endpoint.Middleware, opts ...ClientInterceptorOption) grpc.StreamClientInterceptor {
	var cfg clientInterceptorConfig
	for _, o := range opts {
		o(&cfg)
	}
	e := mw(func(ctx context.Context, req any) (any, error) {
		c, ok := ctx.Value(streamCallKey{}).(*streamCall)
		if !ok {
			return nil, errNoCall
		}
		cs, err := c.streamer(ctx, c.desc, c.cc, c.method, c.opts...)
		if err != nil {
			return nil, clientError(err)
		}
		return cs, nil
	})
	return func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
		if cfg.filter != nil && !cfg.filter(method) {
			return streamer(ctx, desc, cc, method, opts...)
		}
		c := &streamCall{Context: ctx, desc: desc, cc: cc, method: method, streamer: streamer, opts: opts}
		resp, err := e(c, desc)
		if err != nil {
			return nil, callerError(err)
		}
		cs, ok := resp.(grpc.ClientStream)
		if !ok {
			return nil, status.Errorf(codes.Internal, "grpc: a middleware returned %T, not a grpc.ClientStream", resp)
		}
		return cs, nil
	}
}

// errNoCall is returned when an interceptor's Endpoint is called with a
// context that does not come from the interceptor (a middleware that
// replaced the context with one not derived from it).
var errNoCall = errors.New("grpc: the interceptor's Endpoint was called without the interceptor's context")

// callerError returns what an interceptor gives its caller for err: err
// itself when it carries a gRPC status (a *ClientError does), else an
// *ClientInterceptorError with the status a Server would send for it.
func callerError(err error) error {
	if err == nil {
		return nil
	}
	var se interface{ GRPCStatus() *status.Status }
	if errors.As(err, &se) {
		return err
	}
	return &ClientInterceptorError{err: err, st: StatusOf(err)}
}

// ClientInterceptorError is what a client interceptor returns for an error of
// its middleware's own, one without a gRPC status: a breaker's or
// limiter's refusal, a middleware's timeout. It wraps the error (errors.Is
// and errors.As see it) and carries the status [StatusOf] gives it
// (ResourceExhausted for a refusal, DeadlineExceeded, Canceled, Unknown),
// so that status.Code and status.FromError report that rather than
// Unknown for all. endpoint.Classify finds the wrapped error's Outcome
// through Unwrap.
type ClientInterceptorError struct {
	err error
	st  *status.Status
}

// Error returns the wrapped error's message.
func (e *ClientInterceptorError) Error() string { return e.err.Error() }

// Unwrap returns the middleware's error.
func (e *ClientInterceptorError) Unwrap() error { return e.err }

// GRPCStatus returns the status StatusOf gave the error.
func (e *ClientInterceptorError) GRPCStatus() *status.Status { return e.st }
