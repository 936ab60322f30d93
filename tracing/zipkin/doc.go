// Package zipkin traces kit endpoints and transports with Zipkin, through
// github.com/openzipkin/zipkin-go (v0.4).
//
// The names are Go kit's, so that Go kit code compiles against it:
// [TraceEndpoint](tracer, name), and one option per transport that installs
// its Before, After and Finalizer hooks together,
//
//	server  HTTPServerTrace, JSONRPCServerTrace, GRPCServerTrace, ThriftServerTrace  (a ServerOption)
//	client  HTTPClientTrace, JSONRPCClientTrace, GRPCClientTrace, ThriftClientTrace  (a ClientOption)
//
// configured with Go kit's [TracerOption]s: [Name], [Tags], [Logger],
// [AllowPropagation], [RequestSampler]; kit adds [InjectOptions],
// [Classifier] and [ErrorWhen]. Over Thrift the B3 headers travel in THeader
// headers (written in lower case, read in any case); a server speaking
// another protocol has none to read and starts a new trace per call.
//
//	reporter := zipkinhttp.NewReporter("http://zipkin:9411/api/v2/spans")
//	defer reporter.Close() // after the servers have stopped
//	tracer, _ := zipkin.NewTracer(reporter, zipkin.WithLocalEndpoint(ep))
//	sum := kitzipkin.TraceEndpoint(tracer, "Sum")(endpoints.Sum)
//	mux.Handle("POST /sum", kithttp.NewServer(sum, dec, enc, kitzipkin.HTTPServerTrace(tracer)))
//
// [RetryAttempts] is a hook for loadbalancer.RetrySettings.Attempt: each
// attempt of a retry gets an "attempt" span, tagged kit.retry.attempt,
// kit.retry.instance and its outcome, above the attempt's client span.
//
// A call through a traced client into a traced server gives the tree client
// span -> server span -> endpoint span. With zipkin-go's default of shared
// spans the server joins the client's span (one span id reported by both
// sides, Zipkin's classic RPC model); build the tracer with
// zipkin.WithSharedSpans(false) to give the server a span of its own. A nil
// tracer switches tracing off: TraceEndpoint returns the endpoint unchanged
// and the hooks install nothing.
//
// A request that a server refuses before its Before hooks run (a malformed
// Kit-Timeout header; for JSON-RPC, a method other than POST or a wrong
// content type) gets no server span: the hooks never saw it.
//
// # Propagation
//
// Servers read B3 in its multiple headers (X-B3-TraceId, X-B3-SpanId,
// X-B3-ParentSpanId, X-B3-Sampled, X-B3-Flags) and its single header (b3);
// clients write the multiple headers (and the single one with
// InjectOptions(b3.WithSingleAndMultiHeader())). Headers that do not parse,
// or carry an all-zero span id, are ignored with one log line to Logger: the
// request is served in a new trace, whatever the tracer's extract failure
// policy (zipkin-go's ExtractFailurePolicyError would panic).
//
// # Names, tags and errors
//
// An HTTP server span is named "{method} {route}" ("POST /sum", the route
// from the ServeMux pattern) or "{method}", tagged http.method, http.path,
// http.route, http.status_code, http.response.size; an HTTP client span is
// named "{method}" (a JSON-RPC client span after its method), tagged
// http.method, http.url, http.status_code. A gRPC server span is named
// "pkg.Service/Method"; a gRPC client span is named with [Name] (kit's gRPC
// client does not tell hooks its method). grpc.status_code is tagged when
// not OK. Zipkin lower-cases span names.
//
// The "error" tag follows kit's failure model (endpoint.Classify): a server
// span is an error for 5xx and for the gRPC codes UNKNOWN,
// DEADLINE_EXCEEDED (unless the deadline was the caller's own),
// UNIMPLEMENTED, INTERNAL, UNAVAILABLE, DATA_LOSS, never for the caller's
// mistakes (4xx, INVALID_ARGUMENT, NOT_FOUND...); a client span is an error
// for any failed call but its own caller giving up. An endpoint span is
// tagged kit.outcome, and "error" only for dependency failures and overload
// by default: a business error (an endpoint.Failer response) is annotated
// "business_error: <message>", not an error.
//
// Tags are computed only for sampled spans.
//
// # Logs
//
// [LogKeyvals], [ContextLogger] and [SlogHandler] put the current span's
// trace_id and span_id into log lines, for kit's Logger and slog alike.
//
// # Reporting
//
// zipkin-go's HTTP reporter batches spans in a goroutine and keeps at most
// its MaxBacklog (1,000 by default) while the collector is slow or down,
// dropping the oldest: requests never wait for it. Close it after the
// servers have stopped: a span finished after Close blocks.
//
// # Concurrency
//
// Everything here is safe for concurrent use once built.
package zipkin
