package instrument

import (
	"context"
	"time"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/metrics"
)

// Endpoints records the calls of Endpoints: a call counter and a duration
// histogram (seconds) labelled by method (given to [Endpoints.Middleware],
// as an Endpoint does not know its name) and outcome (the endpoint.Kind
// name of what the classifier says of the call). The label names are
// [EndpointSpec]'s: "method" and "outcome". It is for services built
// around Endpoints, whose transports are kit's; plain net/http and grpc-go
// services use [HTTP] and [RPC].
//
// It is safe for concurrent use; one Endpoints serves every Endpoint of a
// service.
type Endpoints struct {
	requests metrics.Counter
	duration metrics.Histogram
	classify endpoint.Classifier
}

// NewEndpoints returns an Endpoints recording into requests and duration,
// whose label names must be "method" and "outcome", classifying calls with
// classify (endpoint.Classify when nil). A nil requests or duration
// records nothing.
func NewEndpoints(requests metrics.Counter, duration metrics.Histogram, classify endpoint.Classifier) *Endpoints {
	if classify == nil {
		classify = endpoint.Classify
	}
	var in instruments[struct{}]
	in.init(requests, duration) // nil instruments become discarding ones
	return &Endpoints{requests: in.requests, duration: in.duration, classify: classify}
}

// Middleware returns a Middleware that records the calls of one Endpoint
// under method:
//
//	sum = m.Middleware("sum")(sum)
//
// The label sets of the five outcomes are resolved here, once: a call
// allocates nothing, and with backends that create a series when its
// labels are bound (Prometheus), the five series exist from the start, at
// zero. An outcome kind outside the five (from a user's
// Classifier) is recorded as a dependency_failure.
func (m *Endpoints) Middleware(method string) endpoint.Middleware {
	names := EndpointSpec().Labels
	var bound [endpoint.Overloaded + 1]series
	for k := range bound {
		lvs := pairs(names, method, endpoint.Kind(k).String())
		bound[k] = series{requests: m.requests.With(lvs...), duration: m.duration.With(lvs...)}
	}
	classify := m.classify
	return func(next endpoint.Endpoint) endpoint.Endpoint {
		return func(ctx context.Context, req any) (any, error) {
			start := time.Now()
			resp, err := next(ctx, req)
			d := time.Since(start)
			k := classify(ctx, resp, err).Kind
			if int(k) >= len(bound) {
				k = endpoint.DependencyFailure
			}
			s := &bound[k]
			s.requests.Add(1)
			s.duration.Observe(d.Seconds())
			return resp, err
		}
	}
}
