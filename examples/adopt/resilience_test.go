package adopt_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestBreaker checks step 1's circuit breaker on the real process: a flood
// of 4xx answers leaves it closed; with the store down, 5xx answers open it
// within its minimum of 20 calls, and its refusals are 429s that do not
// reach the handler; once the store is back, it closes after -breaker.open-for.
func TestBreaker(t *testing.T) {
	p := start(t, build(t), "-breaker.open-for", "500ms")
	api := "http://" + p.http
	ctx := context.Background()

	for i := range 60 {
		if status, body := do(t, ctx, http.MethodGet, api+"/items/no-such-sku", ""); status != http.StatusNotFound {
			t.Fatalf("GET /items/no-such-sku #%d: %d %s, want 404", i, status, body)
		}
		if status, body := do(t, ctx, http.MethodPut, api+"/items/apple", `{"count":-1}`); status != http.StatusBadRequest {
			t.Fatalf("PUT /items/apple count -1 #%d: %d %s, want 400", i, status, body)
		}
	}
	if status, body := do(t, ctx, http.MethodGet, api+"/items/apple", ""); status != http.StatusOK {
		t.Fatalf("GET /items/apple after 120 answers 4xx: %d %s, want 200 (4xx must not open the breaker)", status, body)
	}
	if v, err := p.metric("inventory_breaker_state"); err != nil || v != 0 {
		t.Errorf("inventory_breaker_state after 120 answers 4xx = %v, %v; want 0 (closed)", v, err)
	}

	p.configureStore(true, 0)
	var failed, refused int
	for i := range 40 {
		status, body := do(t, ctx, http.MethodGet, api+"/items/apple", "")
		switch {
		case status == http.StatusServiceUnavailable && refused == 0:
			failed++ // the handler answered: the store is down
		case status == http.StatusTooManyRequests && errorBody(body) == "circuitbreaker: breaker is open":
			refused++
		default:
			t.Fatalf("GET /items/apple #%d with the store down (%d answers 503, %d refusals before): %d %s", i, failed, refused, status, body)
		}
	}
	// The breaker's defaults: it opens once its 10s window holds at least
	// 20 calls of which at least half failed. The window still holds the
	// one GET that succeeded above (unless the 4xx flood took 10s), and
	// no 4xx: they are not counted.
	if failed < 19 || failed > 20 || refused != 40-failed {
		t.Errorf("with the store down: %d answers 503 then %d refusals, want 19 (20 on a slow machine) then the rest", failed, refused)
	}
	if v, err := p.metric("inventory_breaker_state"); err != nil || v != 2 {
		t.Errorf("inventory_breaker_state while refusing = %v, %v; want 2 (open)", v, err)
	}

	p.configureStore(false, 0)
	deadline := time.Now().Add(10 * time.Second)
	for {
		status, body := do(t, ctx, http.MethodGet, api+"/items/apple", "")
		if status == http.StatusOK {
			break
		}
		if status != http.StatusTooManyRequests || time.Now().After(deadline) {
			t.Fatalf("GET /items/apple with the store back: %d %s, want 429 until the breaker half-opens, then 200 (within 10s)", status, body)
		}
		time.Sleep(50 * time.Millisecond) // polling interval, not synchronisation
	}
	for i := range 10 { // the probes succeed: the breaker closes
		if status, body := do(t, ctx, http.MethodGet, api+"/items/apple", ""); status != http.StatusOK {
			t.Fatalf("GET /items/apple #%d after recovery: %d %s, want 200", i, status, body)
		}
	}
	if v, err := p.metric("inventory_breaker_state"); err != nil || v != 0 {
		t.Errorf("inventory_breaker_state after recovery = %v, %v; want 0 (closed)", v, err)
	}
}

// TestRateLimit checks step 1's rate limit: beyond its burst, requests are
// refused with 429 at once.
func TestRateLimit(t *testing.T) {
	p := start(t, build(t), "-limit.rate", "1", "-limit.burst", "5")
	api := "http://" + p.http
	begin := time.Now()
	var ok, refused int
	for i := range 20 {
		status, body := do(t, context.Background(), http.MethodGet, api+"/items/pear", "")
		switch {
		case status == http.StatusOK:
			ok++
		case status == http.StatusTooManyRequests && errorBody(body) == "ratelimit: limit exceeded":
			refused++
		default:
			t.Fatalf("GET /items/pear #%d: %d %s, want 200 or 429 ratelimit: limit exceeded", i, status, body)
		}
	}
	// The burst of 5, plus one token per second spent sending.
	if most := 5 + int(time.Since(begin).Seconds()) + 1; ok < 5 || ok > most || refused != 20-ok {
		t.Errorf("20 GETs at -limit.rate 1 -limit.burst 5: %d answered, %d refused; want 5 to %d answered, the rest refused", ok, refused, most)
	}
}

// TestConcurrencyLimit checks step 1's concurrency limit: with two slow
// requests in flight (seen through the in-flight gauge of step 2), a third
// is refused with 429 at once; once they are gone, requests pass again.
func TestConcurrencyLimit(t *testing.T) {
	p := start(t, build(t), "-limit.in-flight", "2")
	api := "http://" + p.http
	p.configureStore(false, time.Minute)

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			// Canceled below: the error is expected.
			_, _, _ = try(ctx, http.MethodGet, api+"/items/apple", "")
		})
	}
	defer wg.Wait()
	defer cancel()
	waitMetric(t, p, "inventory_api_in_flight", 2)

	status, body := do(t, context.Background(), http.MethodGet, api+"/items/apple", "")
	if status != http.StatusTooManyRequests || errorBody(body) != "ratelimit: too many requests in flight" {
		t.Errorf("GET /items/apple with 2 in flight at -limit.in-flight 2: %d %s, want 429 ratelimit: too many requests in flight", status, body)
	}

	cancel()
	wg.Wait()
	waitMetric(t, p, "inventory_api_in_flight", 0)
	p.configureStore(false, 0)
	if status, body := do(t, context.Background(), http.MethodGet, api+"/items/apple", ""); status != http.StatusOK || !strings.Contains(body, `"count":12`) {
		t.Errorf("GET /items/apple once the slow requests are gone: %d %s, want 200 with count 12", status, body)
	}
}

// waitMetric polls the process's /metrics until name has the value want,
// for at most 10 seconds.
func waitMetric(t *testing.T, p *inventory, name string, want float64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		v, err := p.metric(name)
		if err == nil && v == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s = %v, %v after 10s; want %v", name, v, err, want)
		}
		time.Sleep(20 * time.Millisecond) // polling interval, not synchronisation
	}
}
