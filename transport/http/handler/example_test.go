package handler_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/endpointkit/kit/circuitbreaker"
	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/ratelimit"
	"github.com/endpointkit/kit/transport/http/handler"
	"golang.org/x/time/rate"
)

// A plain net/http service gains a rate limit, a circuit breaker and a
// timeout on one route, without being rewritten around Endpoints.
func ExampleMiddleware() {
	items := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") == "broken" {
			http.Error(w, "database down", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintf(w, "item %s (route %s)\n", r.PathValue("id"), handler.Route(r))
	})

	breaker := circuitbreaker.NewBreaker(circuitbreaker.Settings{MinRequests: 3, OpenFor: time.Minute})
	limit := ratelimit.NewErroringLimiter(rate.NewLimiter(rate.Inf, 1))
	resilient := handler.Middleware(endpoint.Chain(limit, breaker.Middleware, endpoint.Timeout(2*time.Second)))

	mux := http.NewServeMux()
	mux.Handle("GET /items/{id}", resilient(items))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	// Two failures in three calls open the breaker; refusals are 429s
	// written as transport/http writes them, without reaching items.
	for _, id := range []string{"7", "broken", "broken", "broken", "7"} {
		resp, err := http.Get(srv.URL + "/items/" + id)
		if err != nil {
			fmt.Println(err)
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Printf("%d %s", resp.StatusCode, body)
	}
	// Output:
	// 200 item 7 (route GET /items/{id})
	// 503 database down
	// 503 database down
	// 429 {"error":"circuitbreaker: breaker is open"}
	// 429 {"error":"circuitbreaker: breaker is open"}
}
