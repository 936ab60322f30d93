// Package addtransport exposes the Add service's endpoints over HTTP/JSON,
// JSON-RPC 2.0 and gRPC, and builds clients for each: a client is an
// addendpoint.Set, which implements addservice.Service, so a caller cannot
// tell a remote service from a local one.
//
// The HTTP/JSON transport needs no hand-written codec: the request and
// response types are plain JSON, decoded by kit's generic helpers. The gRPC
// transport converts between protobuf messages and the endpoint types.
//
// Handlers and clients are safe for concurrent use.
package addtransport
