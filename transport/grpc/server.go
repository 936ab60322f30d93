package grpc

import (
	"context"
	"errors"
	"runtime/debug"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/log"
	"github.com/endpointkit/kit/transport"
)

// DecodeRequestFunc turns a gRPC request message into a request object.
// Its errors become InvalidArgument unless they carry a status.
type DecodeRequestFunc func(context.Context, any) (request any, err error)

// EncodeResponseFunc turns a response object into a gRPC reply message.
type EncodeResponseFunc func(context.Context, any) (reply any, err error)

// ServerRequestFunc may take information from the request's metadata and
// put it into the context. It must not modify md.
type ServerRequestFunc func(ctx context.Context, md metadata.MD) context.Context

// ServerResponseFunc may add to the header and trailer metadata sent with
// the reply, after the endpoint succeeded.
type ServerResponseFunc func(ctx context.Context, header, trailer *metadata.MD) context.Context

// ServerFinalizerFunc is called at the end of every request with the error
// returned to grpc (nil on success).
type ServerFinalizerFunc func(ctx context.Context, err error)

// Handler is what a generated service's method implementation calls: a
// Server is one.
type Handler interface {
	ServeGRPC(ctx context.Context, request any) (context.Context, any, error)
}

// Server wraps an Endpoint as the implementation of one gRPC method. It is
// safe for concurrent use; its zero value is not usable, build one with NewServer.
type Server struct {
	e            endpoint.Endpoint
	dec          DecodeRequestFunc
	enc          EncodeResponseFunc
	before       []ServerRequestFunc
	after        []ServerResponseFunc
	finalizer    []ServerFinalizerFunc
	errorHandler ErrorHandler
	verbose      bool
}

// ServerOption sets an optional parameter of a Server.
type ServerOption func(*Server)

// NewServer returns a Server that decodes each request message with dec,
// calls e, and encodes the response with enc.
func NewServer(e endpoint.Endpoint, dec DecodeRequestFunc, enc EncodeResponseFunc, options ...ServerOption) *Server {
	s := &Server{e: e, dec: dec, enc: enc, errorHandler: ErrorHandlerFunc(func(context.Context, error) {})}
	for _, o := range options {
		o(s)
	}
	return s
}

// ServerBefore adds functions run on the incoming metadata before the
// request is decoded, in order.
func ServerBefore(before ...ServerRequestFunc) ServerOption {
	return func(s *Server) { s.before = append(s.before, before...) }
}

// ServerAfter adds functions run after the endpoint succeeded, in order;
// the header and trailer they fill are sent with the reply.
func ServerAfter(after ...ServerResponseFunc) ServerOption {
	return func(s *Server) { s.after = append(s.after, after...) }
}

// ServerErrorHandler sets what observes every error (including recovered
// panics as *PanicError). By default errors are not observed; pass
// [LogErrorHandler] to log them. An ErrorHandler that panics fails the call
// with Internal; the panic does not escape ServeGRPC.
func ServerErrorHandler(h ErrorHandler) ServerOption {
	return func(s *Server) { s.errorHandler = h }
}

// ServerFinalizer adds functions run at the end of every request. A
// finalizer that panics fails the call with Internal and is reported to the
// ErrorHandler as a *PanicError; later finalizers still run.
func ServerFinalizer(f ...ServerFinalizerFunc) ServerOption {
	return func(s *Server) { s.finalizer = append(s.finalizer, f...) }
}

// ServerVerboseErrors makes the Server send the message of every error. By
// default an error that carries no status of its own (the Unknown case of
// [StatusOf]) is sent as Unknown with the message "unknown error", and its
// text reaches only the ErrorHandler: it may name a database, a downstream
// service or a Go type. Use this where clients may see internals
// (development, a trusted network).
func ServerVerboseErrors() ServerOption {
	return func(s *Server) { s.verbose = true }
}

// LogErrorHandler returns transport.NewLogErrorHandler(logger): each error
// is logged with the method, code and peer of its call, at warn for a
// caller's error and at error otherwise, with the stack of a recovered
// panic (see package transport).
func LogErrorHandler(logger log.Logger) ErrorHandler {
	return transport.NewLogErrorHandler(logger)
}

// ServeGRPC implements Handler. The error it returns is a gRPC status error
// (see StatusOf).
func (s *Server) ServeGRPC(ctx context.Context, req any) (retctx context.Context, reply any, err error) {
	if len(s.finalizer) > 0 {
		defer func() {
			for _, f := range s.finalizer {
				if pe := s.finalize(ctx, f, err); pe != nil {
					// The call fails: its reply has not been sent yet.
					err = s.fail(ctx, pe)
					retctx, reply = ctx, nil
				}
			}
		}()
	}
	defer func() {
		if v := recover(); v != nil {
			err = s.fail(ctx, &PanicError{Value: v, Stack: debug.Stack()})
			retctx, reply = ctx, nil
		}
	}()

	if len(s.before) > 0 {
		md, ok := metadata.FromIncomingContext(ctx)
		if !ok {
			md = metadata.MD{}
		}
		for _, f := range s.before {
			ctx = f(ctx, md)
		}
	}
	request, err := s.dec(ctx, req)
	if err != nil {
		return ctx, nil, s.fail(ctx, &decodeError{err})
	}
	response, err := s.e(ctx, request)
	if err != nil {
		return ctx, nil, s.fail(ctx, err)
	}
	if len(s.after) > 0 {
		header, trailer := metadata.MD{}, metadata.MD{}
		for _, f := range s.after {
			ctx = f(ctx, &header, &trailer)
		}
		if len(header) > 0 {
			if err := grpc.SendHeader(ctx, header); err != nil {
				return ctx, nil, s.fail(ctx, err)
			}
		}
		if len(trailer) > 0 {
			if err := grpc.SetTrailer(ctx, trailer); err != nil {
				return ctx, nil, s.fail(ctx, err)
			}
		}
	}
	reply, err = s.enc(ctx, response)
	if err != nil {
		return ctx, nil, s.fail(ctx, err)
	}
	return ctx, reply, nil
}

// fail reports err, with a *transport.Call describing the call, and returns
// it as a status error.
func (s *Server) fail(ctx context.Context, err error) error {
	return fail(ctx, err, s.errorHandler, s.verbose)
}

// fail reports err to eh, with a *transport.Call describing the call, and
// returns it as a status error (StatusOf; an Unknown one with a generic
// message unless verbose). A Server and the interceptors share it. grpc-go
// does not recover panics in handlers, so one here would end the process:
// an ErrorHandler that panics is recovered, and the call fails with
// Internal (there is nothing left to report that panic to).
func fail(ctx context.Context, err error, eh ErrorHandler, verbose bool) (serr error) {
	defer func() {
		if v := recover(); v != nil {
			serr = (&PanicError{Value: v}).GRPCStatus().Err()
		}
	}()
	st := StatusOf(err)
	eh.Handle(withCall(ctx, st.Code()), err)
	if st.Code() == codes.Unknown && !verbose {
		var own interface{ GRPCStatus() *status.Status }
		if !errors.As(err, &own) {
			return errUnknown
		}
	}
	return st.Err()
}

// withCall returns ctx with a *transport.Call describing the call, for an
// ErrorHandler.
func withCall(ctx context.Context, code codes.Code) context.Context {
	c := &transport.Call{Transport: "grpc", Status: int(code), StatusName: code.String()}
	c.Route, _ = MethodFromContext(ctx)
	if p, ok := peer.FromContext(ctx); ok && p.Addr != nil {
		c.Peer = p.Addr.String()
	}
	return transport.WithCall(ctx, c)
}

// errUnknown is what a client sees of an error without a status of its own.
var errUnknown = status.Error(codes.Unknown, "unknown error")

// finalize runs f, returning a *PanicError when it panics.
func (s *Server) finalize(ctx context.Context, f ServerFinalizerFunc, err error) (pe *PanicError) {
	defer func() {
		if v := recover(); v != nil {
			pe = &PanicError{Value: v, Stack: debug.Stack()}
		}
	}()
	f(ctx, err)
	return nil
}

type methodKey struct{}

// Interceptor is a grpc.UnaryServerInterceptor that stores the full method
// name in the context for MethodFromContext.
func Interceptor(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	return handler(context.WithValue(ctx, methodKey{}, info.FullMethod), req)
}

// MethodFromContext returns the full method name ("/pkg.Service/Method")
// stored by Interceptor, and whether there was one. Without the interceptor,
// it falls back to grpc.Method, which knows the method of a server stream.
func MethodFromContext(ctx context.Context) (string, bool) {
	if m, ok := ctx.Value(methodKey{}).(string); ok {
		return m, true
	}
	return grpc.Method(ctx)
}
