package mtls

import (
	"context"
	stdhttp "net/http"

	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"

	kitgrpc "github.com/endpointkit/kit/transport/grpc"
	kithttp "github.com/endpointkit/kit/transport/http"
)

// HTTPToContext returns a transport/http ServerBefore function that puts
// the verified client identity of the request's TLS connection in the
// context. A request without one (plaintext, or TLS without a verified
// client certificate) leaves the context unchanged, and [Authorize]
// refuses it.
func HTTPToContext() kithttp.RequestFunc {
	return func(ctx context.Context, r *stdhttp.Request) context.Context {
		if id, ok := PeerIdentity(r.TLS); ok {
			return NewContext(ctx, id)
		}
		return ctx
	}
}

// GRPCToContext returns a transport/grpc ServerBefore function that puts
// the verified client identity of the call's connection in the context,
// read from peer.FromContext's credentials.TLSInfo (the server must use
// credentials.NewTLS). A call without one leaves the context unchanged.
func GRPCToContext() kitgrpc.ServerRequestFunc {
	return func(ctx context.Context, _ metadata.MD) context.Context {
		if id, ok := grpcPeerIdentity(ctx); ok {
			return NewContext(ctx, id)
		}
		return ctx
	}
}

func grpcPeerIdentity(ctx context.Context) (Identity, bool) {
	p, ok := peer.FromContext(ctx)
	if !ok {
		return Identity{}, false
	}
	info, ok := p.AuthInfo.(credentials.TLSInfo)
	if !ok {
		return Identity{}, false
	}
	return PeerIdentity(&info.State)
}
