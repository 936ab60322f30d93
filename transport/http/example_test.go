package http_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/endpointkit/kit/endpoint"
	kithttp "github.com/endpointkit/kit/transport/http"
)

func ExampleNewServer() {
	sum := endpoint.FromFunc(func(_ context.Context, req sumRequest) (sumResponse, error) {
		return sumResponse{V: req.A + req.B}, nil
	})
	srv := httptest.NewServer(kithttp.NewServer(sum,
		kithttp.DecodeJSONRequest[sumRequest], kithttp.EncodeJSONResponse))
	defer srv.Close()

	for _, body := range []string{`{"a":1,"b":2}`, `{"a":1,`} {
		resp, err := srv.Client().Post(srv.URL, "application/json", strings.NewReader(body))
		if err != nil {
			fmt.Println(err)
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Print(resp.StatusCode, " ", string(b))
	}
	// Output:
	// 200 {"v":3}
	// 400 {"error":"request body: invalid JSON at byte 7: unexpected end of JSON input"}
}

func ExampleNewClient() {
	sum := endpoint.FromFunc(func(_ context.Context, req sumRequest) (sumResponse, error) {
		return sumResponse{V: req.A + req.B}, nil
	})
	srv := httptest.NewServer(kithttp.NewServer(sum,
		kithttp.DecodeJSONRequest[sumRequest], kithttp.EncodeJSONResponse))
	defer srv.Close()

	u, _ := url.Parse(srv.URL)
	client := kithttp.NewClient(http.MethodPost, u,
		kithttp.EncodeJSONRequest, kithttp.DecodeJSONResponse[sumResponse],
		kithttp.SetClient(srv.Client()))
	call := endpoint.ToFunc[sumRequest, sumResponse](client.Endpoint())

	resp, err := call(context.Background(), sumRequest{A: 20, B: 22})
	fmt.Println(resp.V, err)
	// Output: 42 <nil>
}

func ExampleJSONErrors() {
	mux := http.NewServeMux()
	mux.Handle("POST /sum", kithttp.NewServer(endpoint.FromFunc(func(_ context.Context, req sumRequest) (sumResponse, error) {
		return sumResponse{V: req.A + req.B}, nil
	}), kithttp.DecodeJSONRequest[sumRequest], kithttp.EncodeJSONResponse))
	h := kithttp.JSONErrors(mux) // the mux's own 404 and 405 in JSON too

	for _, r := range []*http.Request{
		httptest.NewRequest("POST", "/sum", strings.NewReader(`{"a":1,"b":2}`)),
		httptest.NewRequest("POST", "/sum", strings.NewReader(`{"a":"one"}`)),
		httptest.NewRequest("GET", "/sum", nil),
		httptest.NewRequest("POST", "/mul", nil),
	} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Print(w.Code, " ", w.Body.String())
	}
	// Output:
	// 200 {"v":3}
	// 400 {"error":"request body: field \"a\": want an integer, got string"}
	// 405 {"error":"method not allowed"}
	// 404 {"error":"not found"}
}
