package jwt

import (
	"net/http"

	"google.golang.org/grpc"

	"github.com/endpointkit/kit/endpoint"
	kitgrpc "github.com/endpointkit/kit/transport/grpc"
	"github.com/endpointkit/kit/transport/http/handler"
)

// The adapters below offer NewParser's middleware (or any endpoint
// middleware that reads the token from the context) to services that are
// not built around Endpoints: plain net/http handlers and grpc-go
// services. They are thin: the token is moved into the context as
// HTTPToContext and GRPCToContext do, and the same middleware decides.

// HTTPHandler returns a net/http middleware that runs mw around next: next
// serves the request, with the claims in its context
// (r.Context().Value(JWTClaimsContextKey)), only when mw lets the call
// through; otherwise the refusal is written as transport/http's
// DefaultErrorEncoder writes it (401 or 403 with the Bearer challenge and a
// JSON body).
func HTTPHandler(mw endpoint.Middleware) func(http.Handler) http.Handler {
	return handler.Middleware(mw, handler.Before(HTTPToContext()))
}

// UnaryServerInterceptor returns a grpc-go interceptor that runs mw around
// each unary call, with the token taken from the "authorization" metadata.
// A refusal reaches the client with its gRPC status (Unauthenticated,
// PermissionDenied: [Error.GRPCStatus]). It is transport/grpc's
// UnaryServerInterceptor over GRPCToContext followed by mw: statuses,
// outcomes and panics are handled as that package documents.
func UnaryServerInterceptor(mw endpoint.Middleware) grpc.UnaryServerInterceptor {
	return kitgrpc.UnaryServerInterceptor(mw, kitgrpc.ServerInterceptorBefore(GRPCToContext()))
}

// StreamServerInterceptor returns a grpc-go interceptor that runs mw once
// when a stream opens, and serves the stream with the claims in its
// context only when mw lets it through. It is transport/grpc's
// StreamServerInterceptor over GRPCToContext followed by mw.
func StreamServerInterceptor(mw endpoint.Middleware) grpc.StreamServerInterceptor {
	return kitgrpc.StreamServerInterceptor(mw, kitgrpc.ServerInterceptorBefore(GRPCToContext()))
}
