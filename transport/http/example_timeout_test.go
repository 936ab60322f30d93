package http_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	kithttp "github.com/endpointkit/kit/transport/http"
)

// A server reachable by anyone takes callers' budgets up to 5s; a caller
// asking for a minute gets the server's own 5s limit.
func ExampleServerTimeoutPolicy() {
	budget := func(ctx context.Context, _ any) (any, error) {
		d, _ := ctx.Deadline()
		return map[string]bool{"within5s": time.Until(d) <= 5*time.Second}, nil
	}
	srv := httptest.NewServer(kithttp.NewServer(budget,
		func(context.Context, *http.Request) (any, error) { return nil, nil },
		kithttp.EncodeJSONResponse,
		kithttp.ServerTimeoutPolicy(kithttp.CapTimeout(5*time.Second))))
	defer srv.Close()

	req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader("{}"))
	req.Header.Set(kithttp.TimeoutHeader, "60000") // a minute, in milliseconds
	resp, err := srv.Client().Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Print(string(body))
	// Output: {"within5s":true}
}
