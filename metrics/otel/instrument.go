package otel

import (
	"go.opentelemetry.io/otel/metric"

	"github.com/endpointkit/kit/metrics/instrument"
)

// NewHTTPServerMetrics creates http.server.request.duration in meter (a
// histogram in seconds, with the bucket boundaries OpenTelemetry's
// semantic conventions advise) and returns the recorder
// transport/http/handler's Metrics takes, recording the attributes
// http.request.method, http.route (the pattern's path, "/items/{id}") and
// http.response.status_code. kit's labels are strings, so the status code
// is a string attribute ("200") where the conventions ask for an int.
func NewHTTPServerMetrics(meter metric.Meter) (*instrument.HTTP, error) {
	h, err := durationFromSpec(meter, instrument.HTTPServerSpec(instrument.OpenTelemetry))
	if err != nil {
		return nil, err
	}
	return instrument.NewHTTP(instrument.OpenTelemetry, nil, h), nil
}

// NewGRPCServerMetrics creates rpc.server.call.duration in meter (a
// histogram in seconds) and returns the recorder transport/grpc's
// ServerMetrics takes, recording the attributes rpc.system.name ("grpc"),
// rpc.method ("pkg.Service/Method") and rpc.response.status_code ("OK",
// "DEADLINE_EXCEEDED").
func NewGRPCServerMetrics(meter metric.Meter) (*instrument.RPC, error) {
	h, err := durationFromSpec(meter, instrument.GRPCServerSpec(instrument.OpenTelemetry))
	if err != nil {
		return nil, err
	}
	return instrument.NewRPC(instrument.OpenTelemetry, nil, h), nil
}

func durationFromSpec(meter metric.Meter, s instrument.Spec) (*Histogram, error) {
	return NewHistogram(meter, s.Duration,
		metric.WithUnit("s"),
		metric.WithDescription(s.DurationHelp),
		metric.WithExplicitBucketBoundaries(s.Buckets...))
}
