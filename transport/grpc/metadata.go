package grpc

import (
	"context"
	"encoding/base64"
	"strings"

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

// binarySuffix marks metadata keys whose values are binary: grpc-go
// base64-encodes their values on the wire itself.
const binarySuffix = "-bin"

// EncodeKeyValue returns key lower-cased, as gRPC metadata keys are, and
// val base64-encoded (standard encoding) when key names a binary value
// (it ends in "-bin"). (Go kit's, for code that builds metadata.MD by hand.)
func EncodeKeyValue(key, val string) (string, string) {
	key = strings.ToLower(key)
	if strings.HasSuffix(key, binarySuffix) {
		val = base64.StdEncoding.EncodeToString([]byte(val))
	}
	return key, val
}
