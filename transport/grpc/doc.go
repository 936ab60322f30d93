// Package grpc adapts endpoints to gRPC: a [Server] answers one method of a
// generated gRPC service by calling an Endpoint, and a [Client] turns a remote
// gRPC method into an Endpoint, over any grpc.ClientConnInterface.
//
// The shapes are Go kit's: NewServer(e, dec, enc, options...) with
// ServeGRPC(ctx, req) (ctx, resp, error), and NewClient(conn, service, method,
// enc, dec, replyType, options...).Endpoint(), with Before and After hooks
// over metadata, an ErrorHandler and Finalizers. A generated service is
// implemented by a small struct that holds one Server per method:
//
//	type grpcServer struct {
//		pb.UnimplementedAddServer
//		sum kitgrpc.Handler
//	}
//
//	func (s *grpcServer) Sum(ctx context.Context, req *pb.SumRequest) (*pb.SumReply, error) {
//		_, resp, err := s.sum.ServeGRPC(ctx, req)
//		if err != nil {
//			return nil, err
//		}
//		return resp.(*pb.SumReply), nil
//	}
//
// # Status codes
//
// A Server returns errors as gRPC statuses, so that clients see a useful
// code rather than Unknown for everything ([StatusOf] is the mapping):
//
//	error carrying a status (GRPCStatus() method, also wrapped)  that status
//	error wrapping context.Canceled                             Canceled
//	error wrapping context.DeadlineExceeded                     DeadlineExceeded
//	error returned by the request decoder                       InvalidArgument
//	error classified Overloaded (endpoint.Classified: a         ResourceExhausted
//	limiter's or breaker's refusal)
//	error classified CallerError                                InvalidArgument
//	panic in the decoder, endpoint or encoder                   Internal ("internal error")
//	any other error                                             Unknown ("unknown error")
//
// The message of an error in the last row reaches only the ErrorHandler: it
// may name a database, a downstream or a Go type. [ServerVerboseErrors]
// sends it, for development.
//
// Every error reaches the [ErrorHandler] (transport.ErrorHandler) with a
// *transport.Call in its context naming the method, the peer and the code
// sent; [LogErrorHandler] logs a request that does not decode at warn and
// the service's failures at error. A panic is recovered into a
// [*PanicError] (value and stack), which reaches the ErrorHandler; the panic
// value is not sent to the client and the server keeps serving. A panic in
// an ErrorHandler or a finalizer is recovered too (grpc-go recovers none, so
// it would end the process) and fails the call with Internal. Messages that
// do not unmarshal never reach the Server: grpc
// itself rejects them.
//
// On the client side, a failed call returns a [*ClientError] wrapping grpc's
// status error unchanged (status.FromError, status.Code, errors.Is and
// errors.As see through it), which classifies by its code in kit's failure
// model ([OutcomeOfCode]): InvalidArgument and the other codes that blame
// the request are CallerErrors, which trip no breaker and eject no
// instance; Unavailable, DeadlineExceeded and the like are
// DependencyFailures; ResourceExhausted is Overloaded. Deadlines travel as
// grpc's own grpc-timeout.
//
// # Existing grpc servers
//
// Services written as plain grpc-go services, without Endpoints, get every
// kit middleware (a breaker, a rate or concurrency limit, Adaptive, a
// timeout, metrics, an access log, tracing's TraceEndpoint) through
// [UnaryServerInterceptor] and [StreamServerInterceptor]:
//
//	grpc.NewServer(
//		grpc.ChainUnaryInterceptor(kitgrpc.UnaryServerInterceptor(endpoint.Chain(limit, breaker.Middleware))),
//		grpc.ChainStreamInterceptor(kitgrpc.StreamServerInterceptor(endpoint.Chain(limit, breaker.Middleware))),
//	)
//
// The middleware is applied once, when the interceptor is built. The
// Endpoint it wraps runs the call's grpc-go handler with the context the
// middleware passes on, so a deadline or a value it adds reaches the
// handler (a stream's handler reads it from stream.Context()). The request
// value the middleware receives is a [*ServerCall] naming the method and
// the kind of call (the unary message is its Request field); the
// middleware must pass it on unchanged and call the Endpoint at most once
// ([ErrHandlerCalledTwice]). A unary call's response is the handler's; a
// stream's is nil.
//
// Statuses map to kit's failure model and back, with the mappings above:
//
//   - an error the handler returns reaches the middleware classified by
//     [OutcomeOfCode] of its code (a context error without a status by
//     DeadlineExceeded or Canceled, as grpc-go sends it): InvalidArgument,
//     NotFound and the other codes that blame the request are CallerErrors,
//     which never trip a breaker; Unavailable, Internal and Unknown are
//     DependencyFailures, which do. An error without a status that
//     implements endpoint.Classified keeps its own Outcome. When the
//     middleware returns that error, the client receives it exactly as the
//     handler returned it;
//   - an error the middleware returns itself (a limiter's or an open
//     breaker's refusal, this hop's timeout, an auth refusal with its
//     status) is sent as [StatusOf] maps it, as a [Server] does:
//     ResourceExhausted for an Overloaded refusal, DeadlineExceeded,
//     the status an error carries (Unauthenticated, PermissionDenied), and
//     Unknown with a generic message otherwise
//     ([ServerInterceptorVerboseErrors] sends the message).
//
// [ServerInterceptorErrorHandler] observes every error, with a
// *transport.Call in its context, as a Server's ErrorHandler does.
//
// A panic in the handler is recovered into a [*PanicError], which the
// middleware sees as Internal (a DependencyFailure, so breakers and metrics
// count it and a half-open breaker's probe is returned); the client
// receives Internal "internal error" and the server keeps serving, as with
// a Server. This differs on purpose from transport/http/handler, which
// panics again after the middleware: net/http recovers a handler's panic
// itself, grpc-go recovers none, so panicking again would end the process.
// A panic in the middleware itself is recovered the same way.
//
// # Existing grpc clients
//
// A grpc-go client that was not written around Endpoints gets kit's
// middlewares through [UnaryClientInterceptor] and
// [StreamClientInterceptor] (a breaker, limits, metrics, logging around
// every call, or around the opening of every stream), with the same
// classification of codes. [NewResolver] is a grpc resolver.Builder over a
// kit Instancer, so that kit's discovery sources feed a grpc.ClientConn and
// grpc's round_robin balances over them; see [Resolver] for why kit's own
// balancers stay out of grpc's balancer API.
//
// # Method names
//
// [Interceptor] is a grpc.UnaryServerInterceptor that stores the full method
// name ("/pkg.Service/Method") in the context, where [MethodFromContext]
// finds it; install it with grpc.ChainUnaryInterceptor.
//
// # Concurrency
//
// Server and Client are immutable after construction and safe for concurrent
// use; the functions given to them must be too. So are the interceptors and
// the middlewares ServerMetrics and ServerAccessLog.
package grpc
