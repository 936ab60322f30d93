// Package instrument records request metrics under the names and labels
// the ecosystem already charts, over kit's metrics interfaces, so that any
// backend (Prometheus, OpenTelemetry, StatsD, expvar...) carries them.
//
// Two conventions are offered ([Convention]). [Prometheus] is the default,
// the names client_golang's promhttp and go-grpc-prometheus users already
// have dashboards and alerts for:
//
//	http_requests_total, http_request_duration_seconds     method, route, code
//	grpc_server_handled_total, grpc_server_handling_seconds grpc_type, grpc_service, grpc_method, grpc_code
//
// with method in lower case as promhttp spells it ("get"; "unknown" for a
// method outside the standard ones), route the http.ServeMux pattern that
// matched ("GET /items/{id}", or "unmatched"; never the raw path, so that
// the label's cardinality is bounded by the routes), code the status
// ("200") or the gRPC code's name ("InvalidArgument"). [OpenTelemetry]
// follows OpenTelemetry's semantic conventions: http.server.request.duration
// {http.request.method, http.route, http.response.status_code} and
// rpc.server.call.duration{rpc.system.name, rpc.method,
// rpc.response.status_code}, histograms in seconds whose count is the
// request count; http.route is the pattern's path ("/items/{id}"). [HTTPServerSpec] and [GRPCServerSpec] give each
// convention's names, label names and buckets.
//
// # Layout
//
// Recording is split from where a request is observed, because the two
// depend on different things:
//
//   - this package (standard library and kit's metrics and endpoint only)
//     holds the recorders, [HTTP], [RPC] and [Endpoints], and the naming
//     conventions. A recorder resolves each label set once and finds it
//     again in an immutable map without locking or allocating;
//   - the request forms live with the transport they observe:
//     transport/http/handler's Metrics (func(http.Handler) http.Handler)
//     and MetricsMiddleware read the method, the route and the status
//     written; transport/grpc's ServerMetrics, a middleware for its
//     UnaryServerInterceptor and StreamServerInterceptor, reads the method,
//     the call type and the code sent. [Endpoints.Middleware] is the form
//     for services built around Endpoints;
//   - the ready constructors live with the backend: metrics/prometheus'
//     NewHTTPServerMetrics, NewGRPCServerMetrics and NewEndpointMetrics
//     register the Prometheus convention's instruments on a Registerer
//     passed in; metrics/otel's NewHTTPServerMetrics and
//     NewGRPCServerMetrics create the OpenTelemetry convention's in a
//     Meter.
//
// So a plain net/http service writes
//
//	m, err := kitprom.NewHTTPServerMetrics(reg, nil)
//	mux.Handle("GET /items/{id}", handler.Metrics(m)(items))
//
// and a grpc-go service
//
//	m, err := kitprom.NewGRPCServerMetrics(reg, nil)
//	grpc.NewServer(grpc.ChainUnaryInterceptor(kitgrpc.UnaryServerInterceptor(kitgrpc.ServerMetrics(m))))
//
// With another backend, build the instruments named by the Spec and pass
// them to [NewHTTP], [NewRPC] or [NewEndpoints].
//
// # Concurrency
//
// Recorders are safe for concurrent use; their instruments must be.
package instrument
