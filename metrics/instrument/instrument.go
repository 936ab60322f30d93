package instrument

import (
	"sync"
	"sync/atomic"

	"github.com/endpointkit/kit/metrics"
	"github.com/endpointkit/kit/metrics/discard"
)

// Convention says which names and labels request metrics carry.
type Convention uint8

const (
	// Prometheus names metrics as client_golang's promhttp and
	// go-grpc-prometheus users already chart them: http_requests_total and
	// http_request_duration_seconds{method, route, code};
	// grpc_server_handled_total and grpc_server_handling_seconds{grpc_type,
	// grpc_service, grpc_method, grpc_code}. It is the default.
	Prometheus Convention = iota
	// OpenTelemetry names metrics by OpenTelemetry's semantic conventions:
	// http.server.request.duration{http.request.method, http.route,
	// http.response.status_code} and rpc.server.call.duration{
	// rpc.system.name, rpc.method, rpc.response.status_code}, in seconds.
	// These conventions have no request counter: the histogram's count is
	// one.
	OpenTelemetry
)

// String returns "prometheus" or "opentelemetry".
func (c Convention) String() string {
	if c == OpenTelemetry {
		return "opentelemetry"
	}
	return "prometheus"
}

// Spec is what a metrics backend needs to build the instruments of one
// kind of request metrics: their names, help texts, label names (in the
// order the recorder passes values) and suggested histogram buckets. The
// constructors of metrics/prometheus and metrics/otel build from it; a
// user of another backend does the same.
type Spec struct {
	// Requests is the name of the request counter, or "" when the
	// convention has none (OpenTelemetry: the histogram counts).
	Requests string
	// RequestsHelp describes the counter.
	RequestsHelp string
	// Duration is the name of the duration histogram, in seconds.
	Duration string
	// DurationHelp describes the histogram.
	DurationHelp string
	// Labels are the label names, in the order the recorder passes values.
	Labels []string
	// Buckets are the suggested histogram bucket boundaries, in seconds.
	Buckets []float64
}

// PrometheusBuckets are client_golang's default buckets (DefBuckets), from
// 5ms to 10s, which promhttp and go-grpc-prometheus users' dashboards
// assume.
var PrometheusBuckets = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// OpenTelemetryBuckets are the boundaries OpenTelemetry's semantic
// conventions advise for http.server.request.duration and
// rpc.server.call.duration, in seconds.
var OpenTelemetryBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}

// HTTPServerSpec returns the names of [HTTP]'s metrics in convention c.
func HTTPServerSpec(c Convention) Spec {
	if c == OpenTelemetry {
		return Spec{
			Duration:     "http.server.request.duration",
			DurationHelp: "Duration of HTTP server requests.",
			Labels:       []string{"http.request.method", "http.route", "http.response.status_code"},
			Buckets:      OpenTelemetryBuckets,
		}
	}
	return Spec{
		Requests:     "http_requests_total",
		RequestsHelp: "Total number of HTTP requests by method, route and status code.",
		Duration:     "http_request_duration_seconds",
		DurationHelp: "Duration of HTTP requests in seconds, by method, route and status code.",
		Labels:       []string{"method", "route", "code"},
		Buckets:      PrometheusBuckets,
	}
}

// GRPCServerSpec returns the names of [RPC]'s metrics for a gRPC server in
// convention c.
func GRPCServerSpec(c Convention) Spec {
	if c == OpenTelemetry {
		return Spec{
			Duration:     "rpc.server.call.duration",
			DurationHelp: "Duration of RPCs served.",
			Labels:       []string{"rpc.system.name", "rpc.method", "rpc.response.status_code"},
			Buckets:      OpenTelemetryBuckets,
		}
	}
	return Spec{
		Requests:     "grpc_server_handled_total",
		RequestsHelp: "Total number of RPCs completed on the server, regardless of success or failure.",
		Duration:     "grpc_server_handling_seconds",
		DurationHelp: "Histogram of response latency (seconds) of gRPC that had been application-level handled by the server.",
		Labels:       []string{"grpc_type", "grpc_service", "grpc_method", "grpc_code"},
		Buckets:      PrometheusBuckets,
	}
}

// EndpointSpec returns the names of [Endpoints]'s metrics. No ecosystem
// convention exists for calls of an Endpoint, so they follow Prometheus'
// style: endpoint_requests_total and endpoint_request_duration_seconds
// labelled by method and outcome (an endpoint.Kind name).
func EndpointSpec() Spec {
	return Spec{
		Requests:     "endpoint_requests_total",
		RequestsHelp: "Total number of Endpoint calls by method and outcome.",
		Duration:     "endpoint_request_duration_seconds",
		DurationHelp: "Duration of Endpoint calls in seconds, by method and outcome.",
		Labels:       []string{"method", "outcome"},
		Buckets:      PrometheusBuckets,
	}
}

// series is the pair of instruments of one label set.
type series struct {
	requests metrics.Counter
	duration metrics.Histogram
}

// instruments holds the instruments of one recorder and its series by key.
// A series is found on the hot path by a lookup in an immutable map, with
// no lock and no allocation; a new key copies the map under mu. Keys come
// from bounded sets (methods, routes, codes), so the map stays small and
// copies are rare.
type instruments[K comparable] struct {
	requests metrics.Counter
	duration metrics.Histogram
	mu       sync.Mutex // serialises inserts
	m        atomic.Pointer[map[K]*series]
}

func (in *instruments[K]) init(requests metrics.Counter, duration metrics.Histogram) {
	if requests == nil {
		requests = discard.NewCounter()
	}
	if duration == nil {
		duration = discard.NewHistogram()
	}
	in.requests, in.duration = requests, duration
	m := map[K]*series{}
	in.m.Store(&m)
}

// get returns the series of k, building it with labelValues() on the
// first use of k.
func (in *instruments[K]) get(k K, labelValues func() []string) *series {
	if s, ok := (*in.m.Load())[k]; ok {
		return s
	}
	return in.insert(k, labelValues())
}

func (in *instruments[K]) insert(k K, lvs []string) *series {
	in.mu.Lock()
	defer in.mu.Unlock()
	old := *in.m.Load()
	if s, ok := old[k]; ok {
		return s
	}
	s := &series{requests: in.requests.With(lvs...), duration: in.duration.With(lvs...)}
	m := make(map[K]*series, len(old)+1)
	for k, v := range old {
		m[k] = v
	}
	m[k] = s
	in.m.Store(&m)
	return s
}

// pairs interleaves names and values: names[0], values[0], names[1], ...
func pairs(names []string, values ...string) []string {
	lvs := make([]string, 0, 2*len(names))
	for i, n := range names {
		lvs = append(lvs, n, values[i])
	}
	return lvs
}
