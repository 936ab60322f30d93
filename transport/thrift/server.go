package thrift

import (
	"context"
	"runtime/debug"

	"github.com/apache/thrift/lib/go/thrift"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/log"
	"github.com/endpointkit/kit/transport"
)

// DecodeRequestFunc turns the arguments of a generated handler method
// (usually gathered in a struct, such as the generated AddSumArgs) into a
// request object. Its errors are the caller's: thrift.PROTOCOL_ERROR.
type DecodeRequestFunc func(context.Context, any) (request any, err error)

// EncodeResponseFunc turns a response object into what the generated
// handler method returns (such as *SumReply).
type EncodeResponseFunc func(context.Context, any) (reply any, err error)

// ServerRequestFunc may take information from the request's THeader headers
// and put it into the context. It must not modify header. Over protocols
// without headers (binary, compact, JSON) header is empty.
type ServerRequestFunc func(ctx context.Context, header thrift.THeaderMap) context.Context

// ServerResponseFunc may add to the headers sent with the reply, after the
// endpoint succeeded. They reach clients of the header protocol only.
type ServerResponseFunc func(ctx context.Context, header thrift.THeaderMap) context.Context

// ServerFinalizerFunc is called at the end of every request with the error
// returned to the generated code (nil on success): a declared exception, or
// an [*ApplicationError].
type ServerFinalizerFunc func(ctx context.Context, err error)

// Handler is what a generated handler method calls: a Server is one.
type Handler interface {
	ServeThrift(ctx context.Context, request any) (context.Context, any, error)
}

// Server wraps an Endpoint as the implementation of one method of a
// generated Thrift service. It is safe for concurrent use; its zero value is
// not usable, build one with NewServer.
type Server struct {
	e            endpoint.Endpoint
	dec          DecodeRequestFunc
	enc          EncodeResponseFunc
	before       []ServerRequestFunc
	after        []ServerResponseFunc
	finalizer    []ServerFinalizerFunc
	errorHandler ErrorHandler
	timeout      TimeoutPolicy
}

// ServerOption sets an optional parameter of a Server.
type ServerOption func(*Server)

// NewServer returns a Server that decodes each request with dec, calls e,
// and encodes the response with enc.
func NewServer(e endpoint.Endpoint, dec DecodeRequestFunc, enc EncodeResponseFunc, options ...ServerOption) *Server {
	s := &Server{e: e, dec: dec, enc: enc, errorHandler: ErrorHandlerFunc(func(context.Context, error) {})}
	for _, o := range options {
		o(s)
	}
	return s
}

// ServerBefore adds functions run on the request's headers before the
// request is decoded, in order.
func ServerBefore(before ...ServerRequestFunc) ServerOption {
	return func(s *Server) { s.before = append(s.before, before...) }
}

// ServerAfter adds functions run after the endpoint succeeded, in order;
// the headers they add are sent with the reply.
func ServerAfter(after ...ServerResponseFunc) ServerOption {
	return func(s *Server) { s.after = append(s.after, after...) }
}

// ServerErrorHandler sets what observes every error (including recovered
// panics as *PanicError, and declared exceptions). By default errors are not
// observed; pass [LogErrorHandler] to log them.
func ServerErrorHandler(h ErrorHandler) ServerOption {
	return func(s *Server) { s.errorHandler = h }
}

// ServerFinalizer adds functions run at the end of every request.
func ServerFinalizer(f ...ServerFinalizerFunc) ServerOption {
	return func(s *Server) { s.finalizer = append(s.finalizer, f...) }
}

// ServerTimeoutPolicy sets what the Server does with the budget a caller
// sends in TimeoutHeader. By default, the zero TimeoutPolicy caps it at
// DefaultTimeoutCap.
func ServerTimeoutPolicy(p TimeoutPolicy) ServerOption {
	return func(s *Server) { s.timeout = p }
}

// LogErrorHandler returns transport.NewLogErrorHandler(logger): each error
// is logged at the level its outcome deserves (a caller's error or a
// refusal at warn, the rest at error, a panic with its stack), with the
// method, peer and exception of the call.
func LogErrorHandler(logger log.Logger) ErrorHandler {
	return transport.NewLogErrorHandler(logger)
}

// ServeThrift implements Handler. The error it returns is a declared IDL
// exception, unwrapped so that the generated code recognises it, or an
// [*ApplicationError] (see [ExceptionOf]).
func (s *Server) ServeThrift(ctx context.Context, req any) (retctx context.Context, reply any, err error) {
	if len(s.finalizer) > 0 {
		defer func() {
			for _, f := range s.finalizer {
				f(ctx, err)
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
		header := readHeaders(ctx)
		for _, f := range s.before {
			ctx = f(ctx, header)
		}
	}
	ctx, cancel, err := s.timeout.apply(ctx)
	if err != nil {
		return ctx, nil, s.fail(ctx, err)
	}
	if cancel != nil {
		defer cancel()
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
		header := thrift.THeaderMap{}
		for _, f := range s.after {
			ctx = f(ctx, header)
		}
		if helper, ok := thrift.GetResponseHelper(ctx); ok {
			for k, v := range header {
				helper.SetHeader(k, v)
			}
		}
	}
	reply, err = s.enc(ctx, response)
	if err != nil {
		return ctx, nil, s.fail(ctx, err)
	}
	return ctx, reply, nil
}

// fail reports err and returns what the generated code must see.
func (s *Server) fail(ctx context.Context, err error) error {
	sent := ExceptionOf(ctx, err)
	report(ctx, s.errorHandler, err, sent)
	return sent
}

// readHeaders returns the request's headers, as the connection server put
// them in ctx (thrift.AddReadTHeaderToContext).
func readHeaders(ctx context.Context) thrift.THeaderMap {
	keys := thrift.GetReadHeaderList(ctx)
	header := make(thrift.THeaderMap, len(keys))
	for _, k := range keys {
		if v, ok := thrift.GetHeader(ctx, k); ok {
			header[k] = v
		}
	}
	return header
}
