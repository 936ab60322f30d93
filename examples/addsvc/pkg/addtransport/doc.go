// Package addtransport exposes the Add service's endpoints over HTTP/JSON,
// JSON-RPC 2.0, gRPC and Thrift, and builds clients for each: a client is an
// addendpoint.Set, which implements addservice.Service, so a caller cannot
// tell a remote service from a local one.
//
// The HTTP/JSON transport needs no hand-written codec: the request and
// response types are plain JSON, decoded by kit's generic helpers. The gRPC
// transport converts between protobuf messages and the endpoint types.
//
// Every server and client takes Options: WithTracing traces its calls with
// kit's tracing/otel and tracing/zipkin transport hooks (server spans that
// continue the caller's trace, client spans that carry theirs), while the
// endpoint spans are the caller's to add (addsvc wraps its endpoints).
//
// Handlers and clients are safe for concurrent use.
package addtransport
