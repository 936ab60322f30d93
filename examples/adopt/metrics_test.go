package adopt_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/endpointkit/kit/internal/promtest"
)

// TestPrometheusScrapes lets the real Prometheus server scrape the
// process's /metrics and reads back the service's own client_golang metric
// beside what kit added to the same registry: the gauges of step 2 and the
// request metrics of step 3 (HTTP) and 4 (gRPC).
func TestPrometheusScrapes(t *testing.T) {
	p := start(t, build(t), "-breaker.open-for", "1m")
	prom := promtest.Start(t, p.debug)
	api := "http://" + p.http
	ctx := context.Background()

	for i := range 3 {
		if status, body := do(t, ctx, http.MethodPut, api+"/items/kiwi", fmt.Sprintf(`{"count":%d}`, i)); status != http.StatusOK {
			t.Fatalf("PUT /items/kiwi: %d %s, want 200", status, body)
		}
	}
	do(t, ctx, http.MethodGet, api+"/no/such/route", "")
	c := p.dial(t)
	getItem(t, c, "apple")
	getItem(t, c, "no-such-sku")
	p.configureStore(true, 0)
	seen := map[int]float64{}
	for range 25 { // opens the breaker, then refused
		status, _ := do(t, ctx, http.MethodGet, api+"/items/kiwi", "")
		seen[status]++
	}
	if seen[http.StatusServiceUnavailable] == 0 || seen[http.StatusTooManyRequests] == 0 {
		t.Fatalf("25 GETs with the store down: statuses %v, want 503s, then 429s once the breaker opened", seen)
	}
	getItem(t, c, "apple") // refused too: the breaker is shared

	for _, tc := range []struct {
		query string
		want  float64
	}{
		{`up{job="kit"}`, 1},
		{`inventory_stock_updates_total`, 3}, // the service's own, untouched
		{`inventory_breaker_state`, 2},       // kit: open
		{`inventory_api_in_flight`, 0},       // kit: none left
		// kit: request metrics, by route pattern (never the raw path)
		{`http_requests_total{method="put",route="PUT /items/{sku}",code="200"}`, 3},
		{`http_requests_total{method="get",route="GET /items/{sku}",code="503"}`, seen[http.StatusServiceUnavailable]},
		{`http_requests_total{method="get",route="GET /items/{sku}",code="429"}`, seen[http.StatusTooManyRequests]},
		{`http_requests_total{method="get",route="unmatched",code="404"}`, 1},
		{`count(http_requests_total)`, 4},
		{`http_request_duration_seconds_count{method="put",route="PUT /items/{sku}",code="200"}`, 3},
		{`grpc_server_handled_total{grpc_type="unary",grpc_service="inventory.Inventory",grpc_method="GetItem",grpc_code="OK"}`, 1},
		{`grpc_server_handled_total{grpc_method="GetItem",grpc_code="NotFound"}`, 1},
		{`grpc_server_handled_total{grpc_method="GetItem",grpc_code="ResourceExhausted"}`, 1},
		{`grpc_server_handling_seconds_count{grpc_method="GetItem",grpc_code="OK"}`, 1},
	} {
		ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		if err := prom.WaitFor(ctx, tc.query, tc.want); err != nil {
			t.Error(err)
		}
		cancel()
	}
}
