// Package addsvc is kit's example service: one small service exposed over
// HTTP/JSON, JSON-RPC 2.0 and gRPC at once, and called back over any of them
// with the same semantics.
//
// The layout is the onion, inside out:
//
//	pkg/addservice    the business logic: the Service interface and its implementation
//	pkg/addendpoint   one Endpoint per method, with middlewares; a Set that is also a Service
//	pkg/addtransport  servers and clients for each transport
//	pb                the gRPC definition and its generated code (go generate ./pb)
//	cmd/addsvc        the server: every transport, per-endpoint limits, a debug listener with /metrics
//	cmd/addcli        a client: discovery, balancer, retries, breakers, over the transport of a flag
//
// Run the server with
//
//	go run ./examples/addsvc/cmd/addsvc
//
// and see README.md for calling it with curl, grpcurl and addcli.
package addsvc
