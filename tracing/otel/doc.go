// Package otel traces kit endpoints and transports with OpenTelemetry.
//
// It is written against the OpenTelemetry API only
// (go.opentelemetry.io/otel/trace and propagation): the application chooses
// the SDK, its exporter (OTLP) and its sampler, and passes the
// TracerProvider in. Nothing here reads or sets OpenTelemetry's globals.
//
// # Pieces
//
// [TraceEndpoint] is an endpoint.Middleware: one span per call, a child of
// whatever span the context carries. The transport hooks start the spans at
// the edges and carry the trace across the wire:
//
//	server  HTTPServerTrace, JSONRPCServerTrace, GRPCServerTrace, ThriftServerTrace  (a ServerOption)
//	client  HTTPClientTrace, JSONRPCClientTrace, GRPCClientTrace, ThriftClientTrace  (a ClientOption)
//
// Each is one option that installs the transport's Before, After and
// Finalizer hooks together. A call through a traced client into a traced
// server gives the tree
//
//	client span (kind client)         HTTPClientTrace / GRPCClientTrace
//	└─ server span (kind server)      HTTPServerTrace / GRPCServerTrace
//	   └─ endpoint span (internal)    TraceEndpoint on the server's endpoint
//
// and a TraceEndpoint around the client's endpoint makes an endpoint span
// that parents the client span. Over Thrift the trace context travels in
// THeader headers (lower-case keys, read in any case): a server speaking
// another protocol (binary, compact, JSON) has no headers to read, and
// starts a new trace for every call.
//
//	tp := sdktrace.NewTracerProvider(...) // the application's SDK
//	sum := otel.TraceEndpoint(tp, "Sum")(endpoints.Sum)
//	mux.Handle("POST /sum", kithttp.NewServer(sum, dec, enc, otel.HTTPServerTrace(tp)))
//
// [RetryAttempts] is a hook for loadbalancer.RetrySettings.Attempt: each
// attempt of a retry gets an "attempt" span (kit.retry.attempt,
// kit.retry.instance, its outcome) between the call's span and the
// attempt's client span.
//
// A request that a server refuses before its Before hooks run (a malformed
// Kit-Timeout header; for JSON-RPC, a method other than POST or a wrong
// content type) gets no server span: the hooks never saw it.
//
// A nil TracerProvider switches tracing off: TraceEndpoint returns the
// endpoint unchanged and the hooks install nothing, so a flag can turn
// tracing off at no cost per request.
//
// # Propagation
//
// W3C Trace Context and W3C Baggage by default; [Propagator] sets another,
// and [B3] adds B3 (multiple and single headers) for fleets that mix
// Zipkin and OpenTelemetry. Invalid incoming context (a malformed
// traceparent, all-zero ids, oversized tracestate or baggage, bad B3 ids
// or flags) is ignored: the server span starts a new trace, the request is
// served as usual. [Public] makes a server start a new trace for every
// request and link the caller's span instead of continuing it.
//
// # Names and attributes
//
// Spans follow the OpenTelemetry semantic conventions v1.40 for HTTP and RPC:
//
//	HTTP server   "{method} {route}" ("POST /sum", route from the ServeMux
//	              pattern), or "{method}" outside a ServeMux; http.request.method,
//	              url.path, url.scheme, http.route, server.address/port,
//	              client.address, user_agent.original, network.protocol.version,
//	              http.response.status_code
//	HTTP client   "{method}"; http.request.method, url.full (without
//	              credentials), server.address/port, http.response.status_code
//	gRPC          "{package.Service}/{Method}"; rpc.system.name=grpc, rpc.method,
//	              rpc.response.status_code ("OK", "DEADLINE_EXCEEDED"),
//	              network.peer.address on the server
//	JSON-RPC      client: "{method}", rpc.system.name=jsonrpc, rpc.method, the
//	              JSON-RPC error code in rpc.response.status_code; server: an HTTP
//	              server span with rpc.system.name=jsonrpc (its hooks run
//	              before the body is read, so the method shows in the
//	              endpoint spans: name them after it)
//	Thrift        "{method}" ("Sum"); rpc.system.name=apache_thrift (the
//	              conventions list no name for Thrift), rpc.method, and for a
//	              failed call rpc.response.status_code and error.type: the
//	              exception's type ("INTERNAL_ERROR", "OVERLOADED", see
//	              kitthrift.ExceptionName) or a declared exception's Go type;
//	              network.peer.address on the server
//	endpoint      the name given; kit.outcome, kit.retryable, error.type
//
// Methods outside RFC 9110 are "_OTHER". Attributes are computed only when
// the span is recording, so a sampled-out request pays for none of them.
// [Name] overrides a transport span's name, [Attributes] adds attributes.
//
// # Errors and kit's failure model
//
// Transport spans follow the conventions: a server span is an error for
// 5xx and for the gRPC codes UNKNOWN, DEADLINE_EXCEEDED, UNIMPLEMENTED,
// INTERNAL, UNAVAILABLE and DATA_LOSS (a 4xx or INVALID_ARGUMENT is the
// caller's mistake, not the server's); a client span is an error for any
// failed call. Two refinements come from kit's failure model
// (endpoint.Classify): DEADLINE_EXCEEDED on a server is not its error when
// the deadline was the caller's own, and a client call that ended because
// its own caller gave up (cancellation or deadline, endpoint.CallerError)
// is recorded but not marked as an error. A Thrift server span is an error
// when the exception sent classifies as a dependency failure (an
// INTERNAL_ERROR, a declared exception kit cannot classify otherwise), not
// for a bad request, the caller's deadline or a refusal under load.
//
// An endpoint span records its outcome in kit.outcome and, by default,
// is an error only when the call failed (endpoint.Outcome.Failed: a
// dependency failure or overload). A business error (an endpoint.Failer
// response) is recorded as a "business_error" event and a caller error as an
// exception event, both with the status left unset; [ErrorWhen] chooses
// otherwise and [Classifier] replaces the classifier.
//
// # Logs
//
// [LogKeyvals], [ContextLogger] and [SlogHandler] put the current span's trace_id
// and span_id into log lines, from the request's context, for kit's Logger
// and for slog (and so for kit's slog bridge).
//
// # Concurrency
//
// Everything here is safe for concurrent use once built; options are read
// when the middleware or hook is built.
package otel
