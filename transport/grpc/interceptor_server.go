package grpc

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/endpointkit/kit/endpoint"
)

// ServerCall is the request value [UnaryServerInterceptor] and
// [StreamServerInterceptor] pass to their middleware: one call of a plain
// grpc-go service. A middleware that needs to know what it is running
// around (metrics, an access log) reads it with a type assertion on the
// Endpoint's request; every other middleware passes it on untouched, as it
// must (see the interceptors' contract). A ServerCall belongs to one call:
// its fields must not be modified, and it must not be kept after the call.
// The interceptors themselves are safe for concurrent use when their
// middleware is.
type ServerCall struct {
	// FullMethod is the method called, "/pkg.Service/Method".
	FullMethod string
	// Request is the request message of a unary call, nil for a stream.
	Request any
	// Stream is the stream as grpc-go gave it to the interceptor, nil for
	// a unary call. The handler receives a stream whose Context is the
	// context the middleware passed on.
	Stream grpc.ServerStream
	// IsClientStream and IsServerStream say which sides of a stream send
	// several messages; both are false for a unary call.
	IsClientStream, IsServerStream bool

	// The fields below keep a unary call's ServerCall at 80 bytes (it was
	// 112, then 96): called sits beside the exported bools, and what only
	// a stream needs is behind one pointer, into the same allocation.
	called bool
	unary  grpc.UnaryHandler
	stream *streamHandler // nil for a unary call
	err    *handlerError  // what the handler returned, once it has run
}

// streamHandler is what a stream's ServerCall needs to run the handler.
type streamHandler struct {
	srv     any
	handler grpc.StreamHandler
}

// serverStreamCall is a stream's ServerCall with its streamHandler, allocated
// together.
type serverStreamCall struct {
	ServerCall
	h streamHandler
}

// Type returns the call's type as go-grpc-prometheus' grpc_type label
// spells it: "unary", "client_stream", "server_stream" or "bidi_stream".
func (c *ServerCall) Type() string {
	switch {
	case c.IsClientStream && c.IsServerStream:
		return "bidi_stream"
	case c.IsClientStream:
		return "client_stream"
	case c.IsServerStream:
		return "server_stream"
	}
	return "unary"
}

// ErrHandlerCalledTwice is returned to a middleware that calls the
// Endpoint of an interceptor a second time for one call; the handler is not
// run again (a unary handler has decoded its message, a stream has been
// read). Retries belong on the client side.
var ErrHandlerCalledTwice = errors.New("grpc: the handler was called twice for one call")

// ServerInterceptorOption configures [UnaryServerInterceptor] and
// [StreamServerInterceptor].
type ServerInterceptorOption func(*interceptorConfig)

type interceptorConfig struct {
	errorHandler ErrorHandler
	verbose      bool
	before       []ServerRequestFunc
}

// ServerInterceptorBefore adds functions run on each call's incoming
// metadata before the middleware, in order, as a [Server]'s ServerBefore
// functions run: the context they return is the one the middleware
// receives (and, through it, the handler). auth/jwt's and auth/mtls's
// GRPCToContext are such functions.
func ServerInterceptorBefore(before ...ServerRequestFunc) ServerInterceptorOption {
	return func(c *interceptorConfig) { c.before = append(c.before, before...) }
}

// runBefore returns ctx with the before functions applied to its incoming
// metadata (callers check that there are some: no call without).
func (cfg *interceptorConfig) runBefore(ctx context.Context) context.Context {
	md, _ := metadata.FromIncomingContext(ctx)
	for _, f := range cfg.before {
		ctx = f(ctx, md)
	}
	return ctx
}

// ServerInterceptorErrorHandler sets what observes every error of a call
// (the handler's, the middleware's own, and recovered panics as
// *PanicError), with a *transport.Call in its context as a [Server] gives
// its ErrorHandler. By default errors are not observed; pass
// [LogErrorHandler] to log them.
func ServerInterceptorErrorHandler(h ErrorHandler) ServerInterceptorOption {
	return func(c *interceptorConfig) {
		if h != nil {
			c.errorHandler = h
		}
	}
}

// ServerInterceptorVerboseErrors makes the interceptors send the message
// of every error the middleware returns, as [ServerVerboseErrors] does for
// a Server. By default one without a status of its own is sent as Unknown
// with the message "unknown error". Errors the handler returns are always
// sent as the handler returned them.
func ServerInterceptorVerboseErrors() ServerInterceptorOption {
	return func(c *interceptorConfig) { c.verbose = true }
}

func interceptorOptions(opts []ServerInterceptorOption) interceptorConfig {
	c := interceptorConfig{errorHandler: ErrorHandlerFunc(func(context.Context, error) {})}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// UnaryServerInterceptor returns a grpc-go interceptor that runs mw around
// each unary call of a plain grpc-go service, with the service's handler as
// the Endpoint mw calls. mw is applied once, here, not per call (a nil mw
// runs the handler alone). See the package documentation ("Existing grpc
// servers") for what mw sees, how statuses map to kit's failure model and
// back, and what happens to a panic.
//
//	srv := grpc.NewServer(grpc.ChainUnaryInterceptor(
//		kitgrpc.UnaryServerInterceptor(endpoint.Chain(limit, breaker.Middleware)),
//	))
func UnaryServerInterceptor(mw endpoint.Middleware, opts ...ServerInterceptorOption) grpc.UnaryServerInterceptor {
	cfg := interceptorOptions(opts)
	ep := apply(mw)
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
		call := &ServerCall{FullMethod: info.FullMethod, Request: req, unary: handler}
		// The recovery of cfg.call, here rather than in a call of it: one
		// frame less on every call.
		defer func() {
			if v := recover(); v != nil {
				resp, err = nil, cfg.panicked(ctx, v)
			}
		}()
		if len(cfg.before) > 0 {
			ctx = cfg.runBefore(ctx)
		}
		resp, err = ep(ctx, call)
		if err != nil {
			return nil, cfg.failed(ctx, call, err)
		}
		return resp, nil
	}
}

// StreamServerInterceptor returns a grpc-go interceptor that runs mw once
// when a stream opens, around the whole stream: the Endpoint mw calls
// serves the stream and returns when the handler does, with a nil
// response. The handler's stream answers Context() with the context mw
// passed on, so a deadline set by [endpoint.Timeout] or a value mw added
// reaches it; the stream's Recv and Send themselves follow grpc's own
// context, so a handler that must stop at mw's deadline selects on
// stream.Context().Done().
func StreamServerInterceptor(mw endpoint.Middleware, opts ...ServerInterceptorOption) grpc.StreamServerInterceptor {
	cfg := interceptorOptions(opts)
	ep := apply(mw)
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		sc := &serverStreamCall{
			ServerCall: ServerCall{
				FullMethod: info.FullMethod, Stream: ss,
				IsClientStream: info.IsClientStream, IsServerStream: info.IsServerStream,
			},
			h: streamHandler{srv: srv, handler: handler},
		}
		sc.stream = &sc.h
		_, err := cfg.call(ss.Context(), ep, &sc.ServerCall)
		return err
	}
}

// apply returns mw around the handler; a nil mw runs the handler alone.
func apply(mw endpoint.Middleware) endpoint.Endpoint {
	if mw == nil {
		return runHandler
	}
	return mw(runHandler)
}

// call runs ep for one call and turns what it returns into what grpc-go
// expects: the handler's own error unchanged, any other as a status error
// (StatusOf), and a panic as Internal.
func (cfg *interceptorConfig) call(ctx context.Context, ep endpoint.Endpoint, call *ServerCall) (resp any, err error) {
	defer func() {
		if v := recover(); v != nil {
			resp, err = nil, cfg.panicked(ctx, v)
		}
	}()
	if len(cfg.before) > 0 {
		ctx = cfg.runBefore(ctx)
	}
	resp, err = ep(ctx, call)
	if err != nil {
		return nil, cfg.failed(ctx, call, err)
	}
	return resp, nil
}

// panicked returns what the client receives for a panic in the middleware
// itself (one in the handler is recovered in runHandler and seen by the
// middleware): Internal, the *PanicError observed by the ErrorHandler.
func (cfg *interceptorConfig) panicked(ctx context.Context, v any) error {
	return fail(ctx, &PanicError{Value: v, Stack: debug.Stack()}, cfg.errorHandler, cfg.verbose)
}

// failed returns what the client receives for an error ep returned.
func (cfg *interceptorConfig) failed(ctx context.Context, call *ServerCall, err error) error {
	if he := call.err; he != nil && err == error(he) {
		// The handler's error, passed on as it was: the client sees what
		// it would without the interceptor.
		if perr := report(ctx, he.code, he.err, cfg.errorHandler); perr != nil {
			return perr
		}
		if he.panic {
			return he.GRPCStatus().Err()
		}
		return he.err
	}
	return fail(ctx, err, cfg.errorHandler, cfg.verbose)
}

// report passes err to eh, recovering a panic of eh into Internal as fail
// does.
func report(ctx context.Context, code codes.Code, err error, eh ErrorHandler) (perr error) {
	defer func() {
		if v := recover(); v != nil {
			perr = (&PanicError{Value: v}).GRPCStatus().Err()
		}
	}()
	eh.Handle(withCall(ctx, code), err)
	return nil
}

// runHandler is the Endpoint the middleware of both interceptors calls. It
// runs the handler, recovering a panic into the handler error the
// middleware sees: a *PanicError, classified as Internal.
func runHandler(ctx context.Context, request any) (resp any, err error) {
	call, ok := request.(*ServerCall)
	if !ok {
		return nil, fmt.Errorf("grpc: the middleware passed on a %T instead of the request value it received; the handler was not run", request)
	}
	if call.called {
		return nil, ErrHandlerCalledTwice
	}
	call.called = true
	defer func() {
		if v := recover(); v != nil {
			pe := &PanicError{Value: v, Stack: debug.Stack()}
			call.err = &handlerError{err: pe, code: codes.Internal, panic: true}
			resp, err = nil, call.err
		}
	}()
	if call.unary != nil {
		resp, err = call.unary(ctx, call.Request)
	} else {
		ss := call.Stream
		if ctx != ss.Context() {
			ss = &contextStream{ServerStream: ss, ctx: ctx}
		}
		err = call.stream.handler(call.stream.srv, ss)
	}
	if err != nil {
		call.err = &handlerError{err: err, code: handlerCode(err)}
		return nil, call.err
	}
	return resp, nil
}

// handlerCode returns the code grpc-go sends for an error a handler
// returns: its status's, DeadlineExceeded or Canceled for a context error
// without one, Unknown otherwise.
func handlerCode(err error) codes.Code {
	if s, ok := status.FromError(err); ok {
		return s.Code()
	}
	return status.FromContextError(err).Code()
}

// handlerError is what the middleware sees of an error the handler
// returned: it classifies by its gRPC code (OutcomeOfCode), so that an
// InvalidArgument trips no breaker and an Unavailable does, and carries the
// handler's status on.
type handlerError struct {
	err   error
	code  codes.Code
	panic bool
}

func (e *handlerError) Error() string { return e.err.Error() }
func (e *handlerError) Unwrap() error { return e.err }

// GRPCStatus returns the handler's status: the one its error carries, or
// Unknown with the error's message for one without (what grpc-go sends for
// it), or Internal without the value for a panic.
func (e *handlerError) GRPCStatus() *status.Status {
	if e.panic {
		return status.New(codes.Internal, "internal error")
	}
	if s, ok := status.FromError(e.err); ok {
		return s
	}
	return status.FromContextError(e.err)
}

// Outcome implements endpoint.Classified: OutcomeOfCode of the handler's
// code, or, for an error without a status that classifies itself, its own
// Outcome.
func (e *handlerError) Outcome() endpoint.Outcome {
	if e.code == codes.Unknown {
		var c endpoint.Classified
		if _, ok := status.FromError(e.err); !ok && errors.As(e.err, &c) {
			return c.Outcome()
		}
	}
	return OutcomeOfCode(e.code)
}

// contextStream is a ServerStream whose Context is ctx.
type contextStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *contextStream) Context() context.Context { return s.ctx }
