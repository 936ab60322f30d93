package promtest_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/endpointkit/kit/internal/promtest"
	"github.com/endpointkit/kit/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// TestServer lets the real Prometheus scrape a fixed exposition and checks
// that WaitFor sees its value, and that a wrong value or a bad query is an
// error naming what it saw.
func TestServer(t *testing.T) {
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "# TYPE kit_promtest_total counter\nkit_promtest_total 7\n")
	}))
	defer target.Close()
	prom := promtest.Start(t, target.Listener.Addr().String())

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := prom.WaitFor(ctx, "kit_promtest_total", 7); err != nil {
		t.Fatalf("WaitFor(kit_promtest_total, 7): %v", err)
	}

	short, cancelShort := context.WithTimeout(context.Background(), time.Second)
	defer cancelShort()
	if err := prom.WaitFor(short, "kit_promtest_total", 8); err == nil || !strings.Contains(err.Error(), "last got 7") {
		t.Errorf("WaitFor(kit_promtest_total, 8) = %v, want an error saying it got 7", err)
	}
	if _, err := prom.Query(context.Background(), "kit_promtest_total{"); err == nil {
		t.Error("Query of a malformed query: nil error, want Prometheus' parse error")
	}
	if _, err := prom.Query(context.Background(), "no_such_metric"); err == nil || !strings.Contains(err.Error(), "0 samples") {
		t.Errorf("Query(no_such_metric) = %v, want an error saying 0 samples", err)
	}
}
