// Package addendpoint turns the Add service into endpoints, one per method,
// and collects them in a Set. A Set built from transport clients is itself a
// Service, so callers use a remote service like a local one.
//
// Business errors travel inside the responses (they implement
// endpoint.Failer); the error an Endpoint returns means the call failed.
// Sets and their Endpoints are safe for concurrent use.
package addendpoint

import (
	"context"
	"encoding/json"
	"time"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/examples/addsvc/pkg/addservice"
	"github.com/endpointkit/kit/log"
)

// Set collects the endpoints of the Add service.
type Set struct {
	SumEndpoint    endpoint.Endpoint
	ConcatEndpoint endpoint.Endpoint
}

// New returns a Set that calls svc, each endpoint logging its calls to
// logger.
func New(svc addservice.Service, logger log.Logger) Set {
	sum := endpoint.FromFunc(func(ctx context.Context, req SumRequest) (SumResponse, error) {
		v, err := svc.Sum(ctx, req.A, req.B)
		return SumResponse{V: v, Err: err}, nil
	})
	concat := endpoint.FromFunc(func(ctx context.Context, req ConcatRequest) (ConcatResponse, error) {
		v, err := svc.Concat(ctx, req.A, req.B)
		return ConcatResponse{V: v, Err: err}, nil
	})
	return Set{
		SumEndpoint:    Logging(logger, "sum")(sum),
		ConcatEndpoint: Logging(logger, "concat")(concat),
	}
}

// Logging returns a Middleware that logs each call: the method, how long it
// took, and only when there is one, its business error ("failed") or its
// transport error ("err"); a successful call's line has neither.
func Logging(logger log.Logger, method string) endpoint.Middleware {
	return func(next endpoint.Endpoint) endpoint.Endpoint {
		return func(ctx context.Context, req any) (resp any, err error) {
			defer func(begin time.Time) {
				took := time.Since(begin)
				var failed error
				if f, ok := resp.(endpoint.Failer); ok {
					failed = f.Failed()
				}
				switch {
				case err != nil:
					_ = logger.Log("method", method, "took", took, "err", err)
				case failed != nil:
					_ = logger.Log("method", method, "took", took, "failed", failed)
				default:
					_ = logger.Log("method", method, "took", took)
				}
			}(time.Now())
			return next(ctx, req)
		}
	}
}

// Sum implements addservice.Service, so a Set of client endpoints is a
// Service.
func (s Set) Sum(ctx context.Context, a, b int) (int, error) {
	resp, err := endpoint.ToFunc[SumRequest, SumResponse](s.SumEndpoint)(ctx, SumRequest{A: a, B: b})
	if err != nil {
		return 0, err
	}
	return resp.V, resp.Err
}

// Concat implements addservice.Service.
func (s Set) Concat(ctx context.Context, a, b string) (string, error) {
	resp, err := endpoint.ToFunc[ConcatRequest, ConcatResponse](s.ConcatEndpoint)(ctx, ConcatRequest{A: a, B: b})
	if err != nil {
		return "", err
	}
	return resp.V, resp.Err
}

// SumRequest is the request of the Sum endpoint.
type SumRequest struct {
	A int `json:"a"`
	B int `json:"b"`
}

// SumResponse is the response of the Sum endpoint. Its JSON form is
// {"v": 3} or {"v": 0, "err": "integer overflow"}.
type SumResponse struct {
	V   int
	Err error // a business error
}

// Failed implements endpoint.Failer.
func (r SumResponse) Failed() error { return r.Err }

type sumJSON struct {
	V   int    `json:"v"`
	Err string `json:"err,omitempty"`
}

// MarshalJSON writes the business error as its message.
func (r SumResponse) MarshalJSON() ([]byte, error) {
	return json.Marshal(sumJSON{V: r.V, Err: errString(r.Err)})
}

// UnmarshalJSON rebuilds the business error with addservice.FromMessage.
func (r *SumResponse) UnmarshalJSON(b []byte) error {
	var j sumJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*r = SumResponse{V: j.V, Err: addservice.FromMessage(j.Err)}
	return nil
}

// ConcatRequest is the request of the Concat endpoint.
type ConcatRequest struct {
	A string `json:"a"`
	B string `json:"b"`
}

// ConcatResponse is the response of the Concat endpoint. Its JSON form is
// {"v": "ab"} or {"v": "", "err": "result exceeds maximum size"}.
type ConcatResponse struct {
	V   string
	Err error // a business error
}

// Failed implements endpoint.Failer.
func (r ConcatResponse) Failed() error { return r.Err }

type concatJSON struct {
	V   string `json:"v"`
	Err string `json:"err,omitempty"`
}

// MarshalJSON writes the business error as its message.
func (r ConcatResponse) MarshalJSON() ([]byte, error) {
	return json.Marshal(concatJSON{V: r.V, Err: errString(r.Err)})
}

// UnmarshalJSON rebuilds the business error with addservice.FromMessage.
func (r *ConcatResponse) UnmarshalJSON(b []byte) error {
	var j concatJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*r = ConcatResponse{V: j.V, Err: addservice.FromMessage(j.Err)}
	return nil
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
