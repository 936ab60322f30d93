package profilesvc

import (
	"context"
	"time"

	"github.com/go-kit/kit/endpoint"
	"github.com/go-kit/kit/metrics"
	"github.com/go-kit/kit/ratelimit"
	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"golang.org/x/time/rate"
)

// Endpoints collects the service's endpoints. On the server each calls the
// Service; on the client each calls the server, and Endpoints is itself a
// Service.
type Endpoints struct {
	PostProfileEndpoint   endpoint.Endpoint
	GetProfileEndpoint    endpoint.Endpoint
	PutProfileEndpoint    endpoint.Endpoint
	DeleteProfileEndpoint endpoint.Endpoint
	GetAddressesEndpoint  endpoint.Endpoint
	PostAddressEndpoint   endpoint.Endpoint
}

// MakeServerEndpoints returns the endpoints of s, each wrapped in mw.
func MakeServerEndpoints(s Service, mw func(method string) endpoint.Middleware) Endpoints {
	wrap := func(method string, e endpoint.Endpoint) endpoint.Endpoint { return mw(method)(e) }
	return Endpoints{
		PostProfileEndpoint: wrap("postProfile", func(ctx context.Context, request interface{}) (interface{}, error) {
			req := request.(postProfileRequest)
			return postProfileResponse{Err: s.PostProfile(ctx, req.Profile)}, nil
		}),
		GetProfileEndpoint: wrap("getProfile", func(ctx context.Context, request interface{}) (interface{}, error) {
			req := request.(getProfileRequest)
			p, err := s.GetProfile(ctx, req.ID)
			return getProfileResponse{Profile: p, Err: err}, nil
		}),
		PutProfileEndpoint: wrap("putProfile", func(ctx context.Context, request interface{}) (interface{}, error) {
			req := request.(putProfileRequest)
			return putProfileResponse{Err: s.PutProfile(ctx, req.ID, req.Profile)}, nil
		}),
		DeleteProfileEndpoint: wrap("deleteProfile", func(ctx context.Context, request interface{}) (interface{}, error) {
			req := request.(deleteProfileRequest)
			return deleteProfileResponse{Err: s.DeleteProfile(ctx, req.ID)}, nil
		}),
		GetAddressesEndpoint: wrap("getAddresses", func(ctx context.Context, request interface{}) (interface{}, error) {
			req := request.(getAddressesRequest)
			a, err := s.GetAddresses(ctx, req.ProfileID)
			return getAddressesResponse{Addresses: a, Err: err}, nil
		}),
		PostAddressEndpoint: wrap("postAddress", func(ctx context.Context, request interface{}) (interface{}, error) {
			req := request.(postAddressRequest)
			return postAddressResponse{Err: s.PostAddress(ctx, req.ProfileID, req.Address)}, nil
		}),
	}
}

// Middlewares returns, for each method, logging, metrics and a rate limit
// of qps calls a second (burst qps), in that order from the outside.
func Middlewares(logger log.Logger, calls metrics.Counter, duration metrics.Histogram, qps int) func(method string) endpoint.Middleware {
	return func(method string) endpoint.Middleware {
		return endpoint.Chain(
			loggingMiddleware(log.With(logger, "method", method)),
			instrumentingMiddleware(calls.With("method", method), duration.With("method", method)),
			ratelimit.NewErroringLimiter(rate.NewLimiter(rate.Limit(qps), qps)),
		)
	}
}

func loggingMiddleware(logger log.Logger) endpoint.Middleware {
	return func(next endpoint.Endpoint) endpoint.Endpoint {
		return func(ctx context.Context, request interface{}) (response interface{}, err error) {
			defer func(begin time.Time) {
				if err != nil {
					_ = level.Warn(logger).Log("transport_error", err, "took", time.Since(begin))
					return
				}
				_ = level.Info(logger).Log("took", time.Since(begin))
			}(time.Now())
			return next(ctx, request)
		}
	}
}

func instrumentingMiddleware(calls metrics.Counter, duration metrics.Histogram) endpoint.Middleware {
	return func(next endpoint.Endpoint) endpoint.Endpoint {
		return func(ctx context.Context, request interface{}) (interface{}, error) {
			defer func(begin time.Time) {
				calls.Add(1)
				duration.Observe(time.Since(begin).Seconds())
			}(time.Now())
			return next(ctx, request)
		}
	}
}

// The client side: Endpoints is a Service.

func (e Endpoints) PostProfile(ctx context.Context, p Profile) error {
	resp, err := e.PostProfileEndpoint(ctx, postProfileRequest{Profile: p})
	if err != nil {
		return err
	}
	return resp.(postProfileResponse).Err
}

func (e Endpoints) GetProfile(ctx context.Context, id string) (Profile, error) {
	resp, err := e.GetProfileEndpoint(ctx, getProfileRequest{ID: id})
	if err != nil {
		return Profile{}, err
	}
	r := resp.(getProfileResponse)
	return r.Profile, r.Err
}

func (e Endpoints) PutProfile(ctx context.Context, id string, p Profile) error {
	resp, err := e.PutProfileEndpoint(ctx, putProfileRequest{ID: id, Profile: p})
	if err != nil {
		return err
	}
	return resp.(putProfileResponse).Err
}

func (e Endpoints) DeleteProfile(ctx context.Context, id string) error {
	resp, err := e.DeleteProfileEndpoint(ctx, deleteProfileRequest{ID: id})
	if err != nil {
		return err
	}
	return resp.(deleteProfileResponse).Err
}

func (e Endpoints) GetAddresses(ctx context.Context, profileID string) ([]Address, error) {
	resp, err := e.GetAddressesEndpoint(ctx, getAddressesRequest{ProfileID: profileID})
	if err != nil {
		return nil, err
	}
	r := resp.(getAddressesResponse)
	return r.Addresses, r.Err
}

func (e Endpoints) PostAddress(ctx context.Context, profileID string, a Address) error {
	resp, err := e.PostAddressEndpoint(ctx, postAddressRequest{ProfileID: profileID, Address: a})
	if err != nil {
		return err
	}
	return resp.(postAddressResponse).Err
}

type postProfileRequest struct{ Profile Profile }
type postProfileResponse struct{ Err error }
type getProfileRequest struct{ ID string }
type getProfileResponse struct {
	Profile Profile
	Err     error
}
type putProfileRequest struct {
	ID      string
	Profile Profile
}
type putProfileResponse struct{ Err error }
type deleteProfileRequest struct{ ID string }
type deleteProfileResponse struct{ Err error }
type getAddressesRequest struct{ ProfileID string }
type getAddressesResponse struct {
	Addresses []Address
	Err       error
}
type postAddressRequest struct {
	ProfileID string
	Address   Address
}
type postAddressResponse struct{ Err error }

// Failed implements endpoint.Failer for every response: the service's
// errors travel in responses.
func (r postProfileResponse) Failed() error   { return r.Err }
func (r getProfileResponse) Failed() error    { return r.Err }
func (r putProfileResponse) Failed() error    { return r.Err }
func (r deleteProfileResponse) Failed() error { return r.Err }
func (r getAddressesResponse) Failed() error  { return r.Err }
func (r postAddressResponse) Failed() error   { return r.Err }
