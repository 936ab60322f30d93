package adopt_test

import (
	"context"
	"net/http"
	"regexp"
	"testing"
	"time"
)

// TestAccessLog checks step 3's access logs, written through the service's
// own *slog.Logger: one line per HTTP request and per gRPC call, at a level
// that follows kit's failure model (a caller's 404 is a warning, a 503 an
// error).
func TestAccessLog(t *testing.T) {
	p := start(t, build(t))
	api := "http://" + p.http
	ctx := context.Background()
	do(t, ctx, http.MethodGet, api+"/items/apple", "")
	do(t, ctx, http.MethodGet, api+"/items/no-such-sku", "")
	do(t, ctx, http.MethodGet, api+"/no/such/route", "")
	getItem(t, p.dial(t), "no-such-sku")
	p.configureStore(true, 0)
	do(t, ctx, http.MethodGet, api+"/items/apple", "")

	for _, want := range []string{
		`level=INFO msg="http request" method=GET route="GET /items/{sku}" status=200 bytes=27 duration=\S+ outcome=success remote=127\.0\.0\.1:\d+`,
		`level=WARN msg="http request" method=GET route="GET /items/{sku}" status=404 .* outcome=caller_error`,
		`level=WARN msg="http request" method=GET route=unmatched status=404 .* outcome=caller_error`,
		`level=WARN msg="grpc call" method=/inventory\.Inventory/GetItem type=unary code=NotFound duration=\S+ outcome=caller_error peer=127\.0\.0\.1:\d+`,
		`level=ERROR msg="http request" method=GET route="GET /items/{sku}" status=503 .* outcome=dependency_failure`,
	} {
		p.waitLine(t, regexp.MustCompile(want))
	}
}

// waitLine waits, for at most 10 seconds, until the process has logged a
// line matching re: lines are read from its stderr as they come.
func (p *inventory) waitLine(t *testing.T, re *regexp.Regexp) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		p.mu.Lock()
		for _, line := range p.lines {
			if re.MatchString(line) {
				p.mu.Unlock()
				return
			}
		}
		p.mu.Unlock()
		if time.Now().After(deadline) {
			t.Fatalf("no line matching %s in 10s; the log:\n%s", re, p.log())
		}
		time.Sleep(20 * time.Millisecond) // polling interval, not synchronisation
	}
}
