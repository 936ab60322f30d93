// Package thrift adapts endpoints to Apache Thrift (github.com/apache/thrift):
// a [Server] answers one method of a generated Thrift service by calling an
// Endpoint, a [ConnServer] serves a generated processor on network
// connections in place of thrift.TSimpleServer, and a [Client] turns a
// remote method into an Endpoint over a pool of connections.
//
// The shapes are those of kit's other transports: NewServer(e, dec, enc,
// options...) with ServeThrift(ctx, req), ServerBefore/ServerAfter over THeader
// headers, ServerErrorHandler, ServerFinalizer; NewClient(addr, call,
// options...).Endpoint() with ClientBefore/ClientAfter and ClientFinalizer
// (a Client runs its Before hooks before it takes a connection, so what they
// start covers a failed dial). Under a ConnServer, [MethodFromContext] and
// [PeerFromContext] tell hooks the method and the caller; the tracing
// packages' ThriftServerTrace and ThriftClientTrace (tracing/otel,
// tracing/zipkin) carry trace context in THeader headers this way. A
// generated service is implemented by a small struct holding one Server per
// method, and served by a ConnServer:
//
//	type thriftServer struct{ sum kitthrift.Handler }
//
//	func (s *thriftServer) Sum(ctx context.Context, a, b int64) (*addthrift.SumReply, error) {
//		_, resp, err := s.sum.ServeThrift(ctx, sumArgs{a, b})
//		if err != nil {
//			return nil, err
//		}
//		return resp.(*addthrift.SumReply), nil
//	}
//
//	srv := kitthrift.NewConnServer(addthrift.NewAddProcessor(&thriftServer{...}), kitthrift.ConnSettings{})
//	go srv.Serve(ln)
//	defer srv.Shutdown(ctx)
//
// # Errors
//
// A declared IDL exception (an `exception` of the service's IDL) returned by
// an endpoint, wrapped or not, reaches the client as it is: the Server hands
// it to the generated code unwrapped. Any other error is classified with
// [endpoint.Classify] and becomes an [*ApplicationError] whose message is
// chosen, never the error's own text ([ExceptionOf] has the table): a limiter's
// refusal is [ExceptionOverloaded] "overloaded", a spent deadline
// [ExceptionTimeout], a refusal for want of credentials (an error whose
// StatusCode() is 401, as auth/jwt's and auth/mtls's are)
// [ExceptionUnauthenticated] and one of a caller not allowed (403)
// [ExceptionPermissionDenied], a decoder's error thrift.PROTOCOL_ERROR, anything else
// thrift.INTERNAL_ERROR "internal error". A panic in a decoder, endpoint or
// encoder is recovered into a [*PanicError] (value and stack) for the
// ErrorHandler; the client sees INTERNAL_ERROR "internal error". The generated
// code would send "Internal error processing Sum: " and the error's text; a
// ConnServer replaces that exception with the one chosen, and does the same
// for handlers that do not go through a Server, whose errors and panics it
// reports to its own ErrorHandler.
//
// On the client side, an exception received is an [*ApplicationError] that
// implements endpoint.Classified: ExceptionOverloaded is a retryable
// Overloaded; the protocol, unknown-method, Unauthenticated and
// PermissionDenied exceptions are the caller's (not retried);
// the rest are the dependency's failures. A call cut short by its context
// wraps the context's error (and its cause, endpoint.ErrTimeout for this
// hop's own timeouts), so that endpoint.Classify tells the caller's deadline
// from the dependency's slowness.
//
// # Deadlines
//
// Over THeader a Client sends its context's deadline in [TimeoutHeader]
// (milliseconds, as transport/http does), and a Server applies it to the
// request's context as its [TimeoutPolicy] says, with transport/http's
// policies and names: by default budgets are taken up to
// [DefaultTimeoutCap] and a longer one is cut to it as this server's own
// limit; [ServerTimeoutPolicy] with [CapTimeout], [HonorTimeout] or
// [IgnoreTimeout] chooses another. A spent budget is refused with ExceptionTimeout before the
// endpoint runs, a malformed one with PROTOCOL_ERROR.
//
// # The connection server
//
// ConnServer is shaped like net/http's Server: Serve(listener), Shutdown(ctx)
// (listeners close, idle connections close at once, busy ones close after
// their reply, Shutdown returns when all are gone or ctx ends) and Close. It
// speaks THeader by default, and then also serves binary and compact
// clients, framed or not; or binary, compact or JSON, framed or not
// ([ConnSettings]). It bounds what a peer can make it do: MaxMessageSize
// (4 MiB) for a frame, a message, any string or container, and a zlib
// payload once expanded (a THeader frame is checked whole before the
// library parses it, so a small compressed frame cannot expand into
// gigabytes); ReadTimeout from a request's first byte to its last
// (slowloris); IdleTimeout between requests; WriteTimeout for a reply;
// MaxConns, at which a new connection closes the connection idle the
// longest, or is refused when every connection is busy. Bad input closes
// the connection (or, for an unknown method or a message that is not a
// call, gets the matching exception and the connection keeps serving); it
// never panics the process, and is reported to the ErrorHandler.
//
// Generated Thrift code (0.17 and later) starts a goroutine per request that
// polls the connection while the handler runs, as long as the process-wide
// variable thrift.ServerConnectivityCheckInterval is not zero (its default
// is 5ms); it cancels the request's context when the connection closes. kit
// leaves that variable alone (it keeps no package state and changes none):
// under a ConnServer the poll reads an atomic, not the socket. A program
// that prefers to save the goroutine per request sets the variable to 0 in
// its main, before serving.
//
// # The client
//
// A Client holds a pool of connections to one address (idle ones up to
// [ClientMaxIdleConns]); each call takes one, since a Thrift connection (and
// a generated client) serves one call at a time. The CallFunc given to
// NewClient calls the generated client over the thrift.TClient it is
// handed. The context's deadline bounds dialling, writing and reading;
// cancellation interrupts them; a connection whose call failed, was
// cancelled or got a reply out of sequence is closed, never reused. Replies
// are bounded as requests are on the server: ClientMaxMessageSize (4 MiB)
// for a frame, a string, a container and an expanded zlib payload.
// [NewFactory] makes Clients for a loadbalancer.Endpointer.
//
// # Concurrency
//
// Server, ConnServer and Client are safe for concurrent use; the functions
// given to them must be too.
package thrift
