package jsonrpc_test

import (
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/transport/http/jsonrpc"
)

func ExampleNewServer() {
	sum := endpoint.FromFunc(func(_ context.Context, req sumRequest) (sumResponse, error) {
		return sumResponse{V: req.A + req.B}, nil
	})
	srv := httptest.NewServer(jsonrpc.NewServer(jsonrpc.EndpointCodecMap{
		"sum": {Endpoint: sum, Decode: jsonrpc.DecodeParams[sumRequest], Encode: jsonrpc.EncodeResult},
	}))
	defer srv.Close()

	// A batch of a call, a notification and a call to an unknown method.
	resp, err := srv.Client().Post(srv.URL, "application/json", strings.NewReader(`[
		{"jsonrpc":"2.0","method":"sum","params":{"a":1,"b":2},"id":1},
		{"jsonrpc":"2.0","method":"sum","params":{"a":3,"b":4}},
		{"jsonrpc":"2.0","method":"mul","id":2}]`))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	fmt.Print(resp.StatusCode, " ", string(b))
	// Output:
	// 200 [{"jsonrpc":"2.0","result":{"v":3},"id":1},{"jsonrpc":"2.0","error":{"code":-32601,"message":"method not found: mul"},"id":2}]
}

func ExampleNewClient() {
	sum := endpoint.FromFunc(func(_ context.Context, req sumRequest) (sumResponse, error) {
		return sumResponse{V: req.A + req.B}, nil
	})
	srv := httptest.NewServer(jsonrpc.NewServer(jsonrpc.EndpointCodecMap{
		"sum": {Endpoint: sum, Decode: jsonrpc.DecodeParams[sumRequest], Encode: jsonrpc.EncodeResult},
	}))
	defer srv.Close()

	u, _ := url.Parse(srv.URL)
	call := endpoint.ToFunc[sumRequest, sumResponse](jsonrpc.NewClient(u, "sum",
		jsonrpc.SetClient(srv.Client()),
		jsonrpc.ClientResponseDecoder(jsonrpc.DecodeResult[sumResponse])).Endpoint())
	resp, err := call(context.Background(), sumRequest{A: 20, B: 22})
	fmt.Println(resp.V, err)
	// Output: 42 <nil>
}
