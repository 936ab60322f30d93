package jwt

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"google.golang.org/grpc/metadata"

	grpctransport "github.com/endpointkit/kit/transport/grpc"
	httptransport "github.com/endpointkit/kit/transport/http"
)

// MaxHeaderBytes bounds the Authorization header (or gRPC metadata value)
// that HTTPToContext and GRPCToContext accept; a longer one is refused as
// malformed without being parsed. It is larger than DefaultMaxTokenBytes so
// that [ParserMaxTokenBytes] can raise the token limit up to it.
const MaxHeaderBytes = 64 << 10

const bearer = "bearer "

// HTTPToContext returns a RequestFunc for transport/http's ServerBefore
// that moves a Bearer token from the request's Authorization header into
// the context (JWTContextKey), for NewParser. More than one Authorization
// header, another scheme, an empty token or a header over MaxHeaderBytes
// puts no token in the context and makes NewParser answer ErrTokenMalformed;
// no header makes it answer ErrTokenContextMissing.
func HTTPToContext() httptransport.RequestFunc {
	return func(ctx context.Context, r *http.Request) context.Context {
		return tokenToContext(ctx, r.Header.Values("Authorization"))
	}
}

// GRPCToContext returns a ServerRequestFunc for transport/grpc's
// ServerBefore that does what HTTPToContext does with the "authorization"
// metadata.
func GRPCToContext() grpctransport.ServerRequestFunc {
	return func(ctx context.Context, md metadata.MD) context.Context {
		return tokenToContext(ctx, md.Get("authorization"))
	}
}

// ContextToHTTP returns a RequestFunc for transport/http's ClientBefore
// that sends the token in the context (put there by NewSigner) as
// "Authorization: Bearer <token>". Without a token it does nothing.
func ContextToHTTP() httptransport.RequestFunc {
	return func(ctx context.Context, r *http.Request) context.Context {
		if t, ok := TokenFromContext(ctx); ok {
			r.Header.Set("Authorization", "Bearer "+t)
		}
		return ctx
	}
}

// ContextToGRPC returns a ClientRequestFunc for transport/grpc's
// ClientBefore that does what ContextToHTTP does with the "authorization"
// metadata.
func ContextToGRPC() grpctransport.ClientRequestFunc {
	return func(ctx context.Context, md *metadata.MD) context.Context {
		if t, ok := TokenFromContext(ctx); ok {
			(*md)["authorization"] = []string{"Bearer " + t}
		}
		return ctx
	}
}

func tokenToContext(ctx context.Context, values []string) context.Context {
	if len(values) == 0 {
		return ctx
	}
	token, err := ExtractBearer(values)
	if err != nil {
		return context.WithValue(ctx, extractErrorKey{}, err)
	}
	return context.WithValue(ctx, JWTContextKey, token)
}

// ExtractBearer returns the token of the one Bearer credential in values
// (the values of an Authorization header; RFC 6750 §2.1: the scheme is
// case-insensitive). It refuses with ErrTokenMalformed, wrapped with a
// reason that never quotes the header, anything else: no value or more than
// one, another scheme, an empty token, characters outside the token68 set,
// or a value over MaxHeaderBytes.
func ExtractBearer(values []string) (string, error) {
	switch {
	case len(values) == 0:
		return "", ErrTokenContextMissing
	case len(values) > 1:
		return "", fmt.Errorf("%w: %d Authorization headers", ErrTokenMalformed, len(values))
	}
	v := values[0]
	if len(v) > MaxHeaderBytes {
		return "", fmt.Errorf("%w: Authorization header longer than %d bytes", ErrTokenMalformed, MaxHeaderBytes)
	}
	if len(v) < len(bearer) || !strings.EqualFold(v[:len(bearer)], bearer) {
		return "", fmt.Errorf("%w: not a Bearer credential", ErrTokenMalformed)
	}
	t := strings.TrimLeft(v[len(bearer):], " ")
	if t == "" {
		return "", fmt.Errorf("%w: empty Bearer token", ErrTokenMalformed)
	}
	for i := 0; i < len(t); i++ {
		if !isToken68(t[i]) {
			return "", fmt.Errorf("%w: bad character in Bearer token", ErrTokenMalformed)
		}
	}
	return t, nil
}

// isToken68 reports whether c may appear in a token68 (RFC 7235 §2.1).
func isToken68(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/' || c == '='
}
