package http_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/internal/testenv"
	kithttp "github.com/endpointkit/kit/transport/http"
)

func TestMain(m *testing.M) { testenv.Main(m) }

type sumRequest struct {
	A int `json:"a"`
	B int `json:"b"`
}

type sumResponse struct {
	V int `json:"v"`
}

// errTeapot is an endpoint error with its own status and header.
type errTeapot struct{}

func (errTeapot) Error() string        { return "short and stout" }
func (errTeapot) StatusCode() int      { return http.StatusTeapot }
func (errTeapot) Headers() http.Header { return http.Header{"X-Teapot": {"yes"}} }

// sum is the endpoint under test: A+B, with magic values that fail.
func sum(ctx context.Context, req sumRequest) (sumResponse, error) {
	switch req.A {
	case 418:
		return sumResponse{}, errTeapot{}
	case 500:
		return sumResponse{}, errors.New("boom")
	case 666:
		panic("the devil")
	case 999: // wait for the deadline
		<-ctx.Done()
		return sumResponse{}, ctx.Err()
	}
	return sumResponse{V: req.A + req.B}, nil
}

// newSumServer serves sum at /sum on a real loopback listener.
func newSumServer(t *testing.T, options ...kithttp.ServerOption) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("POST /sum", kithttp.NewServer(endpoint.FromFunc(sum),
		kithttp.DecodeJSONRequest[sumRequest], kithttp.EncodeJSONResponse, options...))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func mustURL(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func sumClient(t *testing.T, srv *httptest.Server, options ...kithttp.ClientOption) func(context.Context, sumRequest) (sumResponse, error) {
	t.Helper()
	options = append([]kithttp.ClientOption{kithttp.SetClient(srv.Client())}, options...)
	c := kithttp.NewClient("POST", mustURL(t, srv.URL+"/sum"),
		kithttp.EncodeJSONRequest, kithttp.DecodeJSONResponse[sumResponse], options...)
	return endpoint.ToFunc[sumRequest, sumResponse](c.Endpoint())
}
