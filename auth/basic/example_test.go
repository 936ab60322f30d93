package basic_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/endpointkit/kit/auth/basic"
	httptransport "github.com/endpointkit/kit/transport/http"
)

func Example() {
	hello := func(ctx context.Context, _ any) (any, error) {
		user, _ := basic.UserFromContext(ctx)
		return "hello " + user, nil
	}
	srv := httptest.NewServer(httptransport.NewServer(
		basic.AuthMiddleware("alice", "wonderland", "example")(hello),
		func(context.Context, *http.Request) (any, error) { return nil, nil },
		httptransport.EncodeJSONResponse,
		httptransport.ServerBefore(basic.HTTPToContext()),
	))
	defer srv.Close()

	req, _ := http.NewRequest("GET", srv.URL, nil)
	resp, _ := http.DefaultClient.Do(req)
	resp.Body.Close()
	fmt.Println(resp.StatusCode, resp.Header.Get("WWW-Authenticate"))

	req.SetBasicAuth("alice", "wonderland")
	resp, _ = http.DefaultClient.Do(req)
	resp.Body.Close()
	fmt.Println(resp.StatusCode)
	// Output:
	// 401 Basic realm="example", charset="UTF-8"
	// 200
}
