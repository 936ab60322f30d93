package addendpoint

import (
	"context"
	"time"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/metrics"
)

// Wrap returns a copy of s with every endpoint wrapped in the Middleware
// that mw returns for its method ("sum", "concat"). mw is called once per
// endpoint, so a limiter it builds belongs to that endpoint alone:
//
//	set = set.Wrap(func(string) endpoint.Middleware {
//		return ratelimit.NewErroringLimiter(rate.NewLimiter(100, 100))
//	})
//
// The Middleware of the last Wrap runs first.
func (s Set) Wrap(mw func(method string) endpoint.Middleware) Set {
	return Set{
		SumEndpoint:    mw("sum")(s.SumEndpoint),
		ConcatEndpoint: mw("concat")(s.ConcatEndpoint),
	}
}

// Instrumenting returns a Middleware that counts each call in requests and
// observes its duration in seconds in duration, both labelled with the
// method and success ("true" when the endpoint returned no error; a business
// error inside the response is a success of the endpoint, and a call refused
// by a limiter is not).
func Instrumenting(requests metrics.Counter, duration metrics.Histogram, method string) endpoint.Middleware {
	okReq := requests.With("method", method, "success", "true")
	failReq := requests.With("method", method, "success", "false")
	okDur := duration.With("method", method, "success", "true")
	failDur := duration.With("method", method, "success", "false")
	return func(next endpoint.Endpoint) endpoint.Endpoint {
		return func(ctx context.Context, req any) (any, error) {
			begin := time.Now()
			resp, err := next(ctx, req)
			took := time.Since(begin).Seconds()
			if err != nil {
				failReq.Add(1)
				failDur.Observe(took)
			} else {
				okReq.Add(1)
				okDur.Observe(took)
			}
			return resp, err
		}
	}
}
