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
// beside the gauges kit's metrics/prometheus added to the same registry
// (step 2).
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
	p.configureStore(true, 0)
	for range 25 { // opens the breaker (20 failures), then refused
		do(t, ctx, http.MethodGet, api+"/items/kiwi", "")
	}

	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	for _, tc := range []struct {
		query string
		want  float64
	}{
		{`up{job="kit"}`, 1},
		{`inventory_stock_updates_total`, 3}, // the service's own, untouched
		{`inventory_breaker_state`, 2},       // kit: open
		{`inventory_api_in_flight`, 0},       // kit: none left
	} {
		if err := prom.WaitFor(ctx, tc.query, tc.want); err != nil {
			t.Error(err)
		}
	}
}
