package stringsvc

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-kit/kit/circuitbreaker"
	"github.com/go-kit/kit/endpoint"
	"github.com/go-kit/kit/ratelimit"
	"github.com/go-kit/kit/sd"
	"github.com/go-kit/kit/sd/lb"
	"github.com/go-kit/kit/transport"
	httptransport "github.com/go-kit/kit/transport/http"
	"github.com/go-kit/log"
	"github.com/sony/gobreaker"
	"golang.org/x/time/rate"
)

type uppercaseRequest struct {
	S string `json:"s"`
}

type uppercaseResponse struct {
	V   string `json:"v"`
	Err string `json:"err,omitempty"`
}

type countRequest struct {
	S string `json:"s"`
}

type countResponse struct {
	V int `json:"v"`
}

// MakeUppercaseEndpoint returns the endpoint of Uppercase.
func MakeUppercaseEndpoint(svc StringService) endpoint.Endpoint {
	return func(ctx context.Context, request interface{}) (interface{}, error) {
		req := request.(uppercaseRequest)
		v, err := svc.Uppercase(ctx, req.S)
		if err != nil {
			return uppercaseResponse{v, err.Error()}, nil
		}
		return uppercaseResponse{v, ""}, nil
	}
}

// MakeCountEndpoint returns the endpoint of Count.
func MakeCountEndpoint(svc StringService) endpoint.Endpoint {
	return func(ctx context.Context, request interface{}) (interface{}, error) {
		req := request.(countRequest)
		return countResponse{svc.Count(ctx, req.S)}, nil
	}
}

// NewHTTPHandler serves svc: POST /uppercase and POST /count.
func NewHTTPHandler(svc StringService, logger log.Logger) http.Handler {
	options := []httptransport.ServerOption{
		httptransport.ServerErrorHandler(transport.NewLogErrorHandler(logger)),
	}
	mux := http.NewServeMux()
	mux.Handle("/uppercase", httptransport.NewServer(MakeUppercaseEndpoint(svc), decodeUppercaseRequest, encodeResponse, options...))
	mux.Handle("/count", httptransport.NewServer(MakeCountEndpoint(svc), decodeCountRequest, encodeResponse, options...))
	return mux
}

func decodeUppercaseRequest(_ context.Context, r *http.Request) (interface{}, error) {
	var request uppercaseRequest
	if err := json.NewDecoder(r.Body).Decode(&request); err != nil {
		return nil, err
	}
	return request, nil
}

func decodeCountRequest(_ context.Context, r *http.Request) (interface{}, error) {
	var request countRequest
	if err := json.NewDecoder(r.Body).Decode(&request); err != nil {
		return nil, err
	}
	return request, nil
}

func decodeUppercaseResponse(_ context.Context, r *http.Response) (interface{}, error) {
	if r.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("uppercase: status %d", r.StatusCode)
	}
	var response uppercaseResponse
	if err := json.NewDecoder(r.Body).Decode(&response); err != nil {
		return nil, err
	}
	return response, nil
}

func encodeResponse(_ context.Context, w http.ResponseWriter, response interface{}) error {
	return json.NewEncoder(w).Encode(response)
}

func encodeRequest(_ context.Context, r *http.Request, request interface{}) error {
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(request); err != nil {
		return err
	}
	r.Body = io.NopCloser(&buf)
	return nil
}

// ProxySettings configures ProxyingMiddleware.
type ProxySettings struct {
	Instances   []string // "host:port"
	QPS         int      // per-instance rate limit
	MaxAttempts int
	MaxTime     time.Duration
	Seed        int64 // of the random balancer
}

// ProxyingMiddleware sends Uppercase to one of the instances (Count stays
// local): each instance's endpoint has its own circuit breaker and rate
// limit; calls are balanced at random and retried.
func ProxyingMiddleware(ctx context.Context, s ProxySettings, logger log.Logger) ServiceMiddleware {
	if len(s.Instances) == 0 {
		_ = logger.Log("proxy_to", "none")
		return func(next StringService) StringService { return next }
	}
	factory := func(instance string) (endpoint.Endpoint, io.Closer, error) {
		var e endpoint.Endpoint
		e = makeUppercaseProxy(ctx, instance)
		e = circuitbreaker.Gobreaker(gobreaker.NewCircuitBreaker(gobreaker.Settings{Name: instance}))(e)
		e = ratelimit.NewErroringLimiter(rate.NewLimiter(rate.Limit(s.QPS), s.QPS))(e)
		return e, nil, nil
	}
	instancer := sd.FixedInstancer(s.Instances)
	endpointer := sd.NewEndpointer(instancer, factory, logger, sd.InvalidateOnError(time.Second))
	balancer := lb.NewRandom(endpointer, s.Seed)
	retry := lb.Retry(s.MaxAttempts, s.MaxTime, balancer)
	_ = logger.Log("proxy_to", strings.Join(s.Instances, ","))
	return func(next StringService) StringService { return proxymw{next, retry} }
}

type proxymw struct {
	next      StringService
	uppercase endpoint.Endpoint
}

func (mw proxymw) Count(ctx context.Context, s string) int { return mw.next.Count(ctx, s) }

func (mw proxymw) Uppercase(ctx context.Context, s string) (string, error) {
	response, err := mw.uppercase(ctx, uppercaseRequest{S: s})
	if err != nil {
		return "", err
	}
	resp := response.(uppercaseResponse)
	if resp.Err != "" {
		return resp.V, fmt.Errorf("%s", resp.Err)
	}
	return resp.V, nil
}

func makeUppercaseProxy(_ context.Context, instance string) endpoint.Endpoint {
	if !strings.HasPrefix(instance, "http") {
		instance = "http://" + instance
	}
	u, err := url.Parse(instance)
	if err != nil {
		panic(err)
	}
	if u.Path == "" {
		u.Path = "/uppercase"
	}
	return httptransport.NewClient("POST", u, encodeRequest, decodeUppercaseResponse).Endpoint()
}
