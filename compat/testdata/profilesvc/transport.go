package profilesvc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-kit/kit/endpoint"
	"github.com/go-kit/kit/ratelimit"
	"github.com/go-kit/kit/transport"
	httptransport "github.com/go-kit/kit/transport/http"
	"github.com/go-kit/log"
)

// ErrBadRequest is wrapped by the errors of requests that do not decode.
var ErrBadRequest = errors.New("bad request")

// MakeHTTPHandler serves the endpoints as a REST API:
//
//	POST   /profiles/                         adds a profile
//	GET    /profiles/{id}                     returns a profile
//	PUT    /profiles/{id}                     stores a profile
//	DELETE /profiles/{id}                     removes a profile
//	GET    /profiles/{id}/addresses/          returns a profile's addresses
//	POST   /profiles/{id}/addresses/          adds an address
func MakeHTTPHandler(e Endpoints, logger log.Logger) http.Handler {
	options := []httptransport.ServerOption{
		httptransport.ServerErrorHandler(transport.NewLogErrorHandler(logger)),
		httptransport.ServerErrorEncoder(encodeError),
	}
	mux := http.NewServeMux()
	mux.Handle("POST /profiles/", httptransport.NewServer(e.PostProfileEndpoint, decodePostProfileRequest, encodeResponse, options...))
	mux.Handle("GET /profiles/{id}", httptransport.NewServer(e.GetProfileEndpoint, decodeGetProfileRequest, encodeResponse, options...))
	mux.Handle("PUT /profiles/{id}", httptransport.NewServer(e.PutProfileEndpoint, decodePutProfileRequest, encodeResponse, options...))
	mux.Handle("DELETE /profiles/{id}", httptransport.NewServer(e.DeleteProfileEndpoint, decodeDeleteProfileRequest, encodeResponse, options...))
	mux.Handle("GET /profiles/{id}/addresses/", httptransport.NewServer(e.GetAddressesEndpoint, decodeGetAddressesRequest, encodeResponse, options...))
	mux.Handle("POST /profiles/{id}/addresses/", httptransport.NewServer(e.PostAddressEndpoint, decodePostAddressRequest, encodeResponse, options...))
	return mux
}

func decodePostProfileRequest(_ context.Context, r *http.Request) (interface{}, error) {
	var req postProfileRequest
	if err := json.NewDecoder(r.Body).Decode(&req.Profile); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadRequest, err)
	}
	return req, nil
}

func decodeGetProfileRequest(_ context.Context, r *http.Request) (interface{}, error) {
	return getProfileRequest{ID: r.PathValue("id")}, nil
}

func decodePutProfileRequest(_ context.Context, r *http.Request) (interface{}, error) {
	req := putProfileRequest{ID: r.PathValue("id")}
	if err := json.NewDecoder(r.Body).Decode(&req.Profile); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadRequest, err)
	}
	return req, nil
}

func decodeDeleteProfileRequest(_ context.Context, r *http.Request) (interface{}, error) {
	return deleteProfileRequest{ID: r.PathValue("id")}, nil
}

func decodeGetAddressesRequest(_ context.Context, r *http.Request) (interface{}, error) {
	return getAddressesRequest{ProfileID: r.PathValue("id")}, nil
}

func decodePostAddressRequest(_ context.Context, r *http.Request) (interface{}, error) {
	req := postAddressRequest{ProfileID: r.PathValue("id")}
	if err := json.NewDecoder(r.Body).Decode(&req.Address); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadRequest, err)
	}
	return req, nil
}

// encodeResponse writes a response, or its business error through
// encodeError.
func encodeResponse(ctx context.Context, w http.ResponseWriter, response interface{}) error {
	if f, ok := response.(endpoint.Failer); ok && f.Failed() != nil {
		encodeError(ctx, f.Failed(), w)
		return nil
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	switch r := response.(type) {
	case getProfileResponse:
		return json.NewEncoder(w).Encode(r.Profile)
	case getAddressesResponse:
		return json.NewEncoder(w).Encode(r.Addresses)
	}
	_, err := io.WriteString(w, "{}\n")
	return err
}

func encodeError(_ context.Context, err error, w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(codeFrom(err))
	_ = json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
}

func codeFrom(err error) int {
	switch {
	case errors.Is(err, ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, ErrAlreadyExists), errors.Is(err, ErrInconsistentIDs):
		return http.StatusConflict
	case errors.Is(err, ErrBadRequest):
		return http.StatusBadRequest
	case errors.Is(err, ratelimit.ErrLimited):
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}

// MakeClientEndpoints returns Endpoints that call the service at instance
// ("host:port" or a URL).
func MakeClientEndpoints(instance string) (Endpoints, error) {
	if !strings.HasPrefix(instance, "http") {
		instance = "http://" + instance
	}
	tgt, err := url.Parse(instance)
	if err != nil {
		return Endpoints{}, err
	}
	tgt.Path = ""
	client := func(method string, enc httptransport.EncodeRequestFunc, dec httptransport.DecodeResponseFunc) endpoint.Endpoint {
		return httptransport.NewClient(method, tgt, enc, dec).Endpoint()
	}
	return Endpoints{
		PostProfileEndpoint: client("POST", encodeJSON(func(r interface{}) (string, interface{}) { return "/profiles/", r.(postProfileRequest).Profile }), decodeEmpty(func(err error) interface{} { return postProfileResponse{Err: err} })),
		GetProfileEndpoint:  client("GET", encodePath(func(r interface{}) string { return "/profiles/" + url.PathEscape(r.(getProfileRequest).ID) }), decodeGetProfileResponse),
		PutProfileEndpoint: client("PUT", encodeJSON(func(r interface{}) (string, interface{}) {
			req := r.(putProfileRequest)
			return "/profiles/" + url.PathEscape(req.ID), req.Profile
		}), decodeEmpty(func(err error) interface{} { return putProfileResponse{Err: err} })),
		DeleteProfileEndpoint: client("DELETE", encodePath(func(r interface{}) string { return "/profiles/" + url.PathEscape(r.(deleteProfileRequest).ID) }), decodeEmpty(func(err error) interface{} { return deleteProfileResponse{Err: err} })),
		GetAddressesEndpoint: client("GET", encodePath(func(r interface{}) string {
			return "/profiles/" + url.PathEscape(r.(getAddressesRequest).ProfileID) + "/addresses/"
		}), decodeGetAddressesResponse),
		PostAddressEndpoint: client("POST", encodeJSON(func(r interface{}) (string, interface{}) {
			req := r.(postAddressRequest)
			return "/profiles/" + url.PathEscape(req.ProfileID) + "/addresses/", req.Address
		}), decodeEmpty(func(err error) interface{} { return postAddressResponse{Err: err} })),
	}, nil
}

func encodePath(path func(request interface{}) string) httptransport.EncodeRequestFunc {
	return func(_ context.Context, r *http.Request, request interface{}) error {
		r.URL.Path = path(request)
		return nil
	}
}

func encodeJSON(pathBody func(request interface{}) (string, interface{})) httptransport.EncodeRequestFunc {
	return func(_ context.Context, r *http.Request, request interface{}) error {
		path, body := pathBody(request)
		r.URL.Path = path
		var buf bytes.Buffer
		if err := json.NewEncoder(&buf).Encode(body); err != nil {
			return err
		}
		r.Header.Set("Content-Type", "application/json; charset=utf-8")
		r.Body = io.NopCloser(&buf)
		r.ContentLength = int64(buf.Len())
		return nil
	}
}

// serviceError turns an error response back into the service's error, so
// that the client is a Service with the same errors; it returns nil for a
// 2xx response, and a transport error for statuses that are not the
// service's.
func serviceError(r *http.Response) (business, transport error) {
	if r.StatusCode/100 == 2 {
		return nil, nil
	}
	var body struct {
		Error string `json:"error"`
	}
	_ = json.NewDecoder(r.Body).Decode(&body)
	for _, err := range []error{ErrNotFound, ErrAlreadyExists, ErrInconsistentIDs} {
		if body.Error == err.Error() {
			return err, nil
		}
	}
	return nil, fmt.Errorf("status %d: %s", r.StatusCode, body.Error)
}

func decodeEmpty(response func(error) interface{}) httptransport.DecodeResponseFunc {
	return func(_ context.Context, r *http.Response) (interface{}, error) {
		business, err := serviceError(r)
		if err != nil {
			return nil, err
		}
		return response(business), nil
	}
}

func decodeGetProfileResponse(_ context.Context, r *http.Response) (interface{}, error) {
	business, err := serviceError(r)
	if err != nil || business != nil {
		return getProfileResponse{Err: business}, err
	}
	var resp getProfileResponse
	return resp, json.NewDecoder(r.Body).Decode(&resp.Profile)
}

func decodeGetAddressesResponse(_ context.Context, r *http.Response) (interface{}, error) {
	business, err := serviceError(r)
	if err != nil || business != nil {
		return getAddressesResponse{Err: business}, err
	}
	var resp getAddressesResponse
	return resp, json.NewDecoder(r.Body).Decode(&resp.Addresses)
}
