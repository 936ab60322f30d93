package prometheus

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/endpointkit/kit/metrics/instrument"
)

// The constructors below register request metrics under the names
// promhttp and go-grpc-prometheus users already chart (package
// metrics/instrument, Prometheus convention), so that a net/http or
// grpc-go service gains them in one line each:
//
//	m, err := kitprom.NewHTTPServerMetrics(reg, nil)
//	mux.Handle("GET /items/{id}", handler.Metrics(m)(items))

// NewHTTPServerMetrics registers http_requests_total (a counter) and
// http_request_duration_seconds (a histogram with buckets, or
// instrument.PrometheusBuckets when nil), labelled by method, route and
// code, with reg, and returns the recorder transport/http/handler's
// Metrics takes. It fails as NewCounterFrom does, for instance when reg
// holds metrics of those names already.
func NewHTTPServerMetrics(reg prometheus.Registerer, buckets []float64, options ...Option) (*instrument.HTTP, error) {
	c, h, err := fromSpec(reg, instrument.HTTPServerSpec(instrument.Prometheus), buckets, options)
	if err != nil {
		return nil, err
	}
	return instrument.NewHTTP(instrument.Prometheus, c, h), nil
}

// NewGRPCServerMetrics registers grpc_server_handled_total (a counter) and
// grpc_server_handling_seconds (a histogram with buckets, or
// instrument.PrometheusBuckets when nil), labelled by grpc_type,
// grpc_service, grpc_method and grpc_code, with reg, and returns the
// recorder transport/grpc's ServerMetrics takes.
func NewGRPCServerMetrics(reg prometheus.Registerer, buckets []float64, options ...Option) (*instrument.RPC, error) {
	c, h, err := fromSpec(reg, instrument.GRPCServerSpec(instrument.Prometheus), buckets, options)
	if err != nil {
		return nil, err
	}
	return instrument.NewRPC(instrument.Prometheus, c, h), nil
}

// NewEndpointMetrics registers endpoint_requests_total (a counter) and
// endpoint_request_duration_seconds (a histogram with buckets, or
// instrument.PrometheusBuckets when nil), labelled by method and outcome,
// with reg, and returns an instrument.Endpoints whose Middleware(method)
// records the calls of an Endpoint, classified by endpoint.Classify.
func NewEndpointMetrics(reg prometheus.Registerer, buckets []float64, options ...Option) (*instrument.Endpoints, error) {
	c, h, err := fromSpec(reg, instrument.EndpointSpec(), buckets, options)
	if err != nil {
		return nil, err
	}
	return instrument.NewEndpoints(c, h, nil), nil
}

func fromSpec(reg prometheus.Registerer, s instrument.Spec, buckets []float64, options []Option) (*Counter, *Histogram, error) {
	if buckets == nil {
		buckets = s.Buckets
	}
	c, err := NewCounterFrom(reg, prometheus.CounterOpts{Name: s.Requests, Help: s.RequestsHelp}, s.Labels, options...)
	if err != nil {
		return nil, nil, err
	}
	h, err := NewHistogramFrom(reg, prometheus.HistogramOpts{Name: s.Duration, Help: s.DurationHelp, Buckets: buckets}, s.Labels, options...)
	if err != nil {
		return nil, nil, err
	}
	return c, h, nil
}
