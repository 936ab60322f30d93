package jwt

import (
	"context"
	"net/http"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

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
	toCtx := HTTPToContext()
	adapt := handler.Middleware(mw) // mw is applied once per handler, not per request
	return func(next http.Handler) http.Handler {
		h := adapt(next)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h.ServeHTTP(w, r.WithContext(toCtx(r.Context(), r)))
		})
	}
}

// UnaryServerInterceptor returns a grpc-go interceptor that runs mw around
// each unary call, with the token taken from the "authorization" metadata.
// A refusal reaches the client with its gRPC status (Unauthenticated,
// PermissionDenied: [Error.GRPCStatus]). It is transport/grpc's
// UnaryServerInterceptor over GRPCToContext followed by mw: statuses,
// outcomes and panics are handled as that package documents.
func UnaryServerInterceptor(mw endpoint.Middleware) grpc.UnaryServerInterceptor {
	return kitgrpc.UnaryServerInterceptor(endpoint.Chain(fromMetadata(GRPCToContext()), mw))
}

// StreamServerInterceptor returns a grpc-go interceptor that runs mw once
// when a stream opens, and serves the stream with the claims in its
// context only when mw lets it through. It is transport/grpc's
// StreamServerInterceptor over GRPCToContext followed by mw.
func StreamServerInterceptor(mw endpoint.Middleware) grpc.StreamServerInterceptor {
	return kitgrpc.StreamServerInterceptor(endpoint.Chain(fromMetadata(GRPCToContext()), mw))
}

// fromMetadata is a middleware that runs toCtx on the call's incoming
// metadata, as a kit Server runs its ServerBefore functions.
func fromMetadata(toCtx kitgrpc.ServerRequestFunc) endpoint.Middleware {
	return func(next endpoint.Endpoint) endpoint.Endpoint {
		return func(ctx context.Context, req any) (any, error) {
			md, _ := metadata.FromIncomingContext(ctx)
			return next(toCtx(ctx, md), req)
		}
	}
}
