package transport

import (
	"context"
	"strconv"
)

// Call is the view of one server call that kit's transports give their
// error handlers (and, where a transport says so, its finalizers): which
// transport served it, which route, for which peer, and the status it was
// answered with. A server puts it into the context with [WithCall] before it
// reports an error; read it with [CallFromContext].
type Call struct {
	// Transport names the transport: "http", "jsonrpc", "grpc" or
	// "thrift".
	Transport string
	// Route names what was called: the pattern of the http.ServeMux route
	// when there is one ("POST /sum"), else the HTTP method and path; the
	// JSON-RPC method ("sum"), or the path when the request could not be
	// read; the gRPC full method ("/pkg.Service/Method").
	Route string
	// Peer is the remote address of the caller ("host:port"), empty when
	// unknown.
	Peer string
	// Status is the status the call was (or is being) answered with: the
	// HTTP status for HTTP and JSON-RPC, the gRPC code for gRPC, the
	// exception type sent for Thrift. Zero means not known.
	Status int
	// StatusName is the transport's name for Status where a number alone
	// does not say it: a gRPC code's name ("InvalidArgument"), a Thrift
	// exception type's ("INTERNAL_ERROR") or declared exception's. Empty for
	// HTTP, whose statuses are known by their numbers.
	StatusName string
}

// StatusText returns StatusName, or Status in decimal when StatusName is
// empty, or "" when the status is not known.
func (c *Call) StatusText() string {
	switch {
	case c.StatusName != "":
		return c.StatusName
	case c.Status != 0:
		return strconv.Itoa(c.Status)
	}
	return ""
}

type callKey struct{}

// WithCall returns a copy of ctx carrying c, for transports to hand to
// error handlers and finalizers.
func WithCall(ctx context.Context, c *Call) context.Context {
	return context.WithValue(ctx, callKey{}, c)
}

// CallFromContext returns the Call a transport put into ctx, and whether
// there was one.
func CallFromContext(ctx context.Context) (*Call, bool) {
	c, ok := ctx.Value(callKey{}).(*Call)
	return c, ok
}
