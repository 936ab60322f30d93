// Package transport holds what every kit transport shares: the
// [ErrorHandler] that observes the errors a server meets, its
// [ErrorHandlerFunc] adapter and [LogErrorHandler], and [Call], the view of
// one server call (transport, route, peer, status) that error handlers and
// finalizers read from the context.
//
// The transports (transport/http, transport/http/jsonrpc, transport/grpc,
// transport/thrift)
// take an ErrorHandler through their ServerErrorHandler options; their own
// ErrorHandler and ErrorHandlerFunc names are aliases of this package's, so
// a handler written for one serves them all. The names and shapes are Go
// kit's transport package's:
//
//	logger := log.NewLogfmtLogger(os.Stderr)
//	srv := kithttp.NewServer(e, dec, enc,
//		kithttp.ServerErrorHandler(transport.NewLogErrorHandler(logger)))
//
// Before it reports an error, a server puts a [*Call] describing the request
// into the context it gives its ErrorHandler, so that one log line says
// which route failed, for whom and with which status:
//
//	level=warn transport=http route="POST /sum" status=400 peer=127.0.0.1:51234 outcome=caller_error msg="request rejected" err="..."
//
// # Levels
//
// [LogErrorHandler] logs an error at the level its [endpoint.Outcome]
// deserves (see [endpoint.Classify]): a caller's error (a malformed request,
// a 4xx, the caller's own cancellation or deadline) is not the service's
// failure and is logged at warn; a refusal to shed load (Overloaded) at warn
// too; a dependency failure, a 5xx or a recovered panic at error. A
// deployment that alerts on error lines is then woken by its own failures
// only.
//
// # Concurrency
//
// Everything here is safe for concurrent use. A Call belongs to the request
// it describes: read it while the handler or finalizer runs, do not keep it.
package transport
