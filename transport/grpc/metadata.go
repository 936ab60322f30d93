package grpc

import (
	"context"

	"google.golang.org/grpc/metadata"
)

// SetRequestHeader returns a ClientRequestFunc that sets a metadata key on
// outgoing requests. Keys are lower-cased, as gRPC requires.
func SetRequestHeader(key, value string) ClientRequestFunc {
	return func(ctx context.Context, md *metadata.MD) context.Context {
		md.Set(key, value)
		return ctx
	}
}

// SetResponseHeader returns a ServerResponseFunc that sets a header
// metadata key on replies.
func SetResponseHeader(key, value string) ServerResponseFunc {
	return func(ctx context.Context, header, _ *metadata.MD) context.Context {
		header.Set(key, value)
		return ctx
	}
}

// SetResponseTrailer returns a ServerResponseFunc that sets a trailer
// metadata key on replies.
func SetResponseTrailer(key, value string) ServerResponseFunc {
	return func(ctx context.Context, _, trailer *metadata.MD) context.Context {
		trailer.Set(key, value)
		return ctx
	}
}
