package adopt_test

import (
	"context"
	"net/http"
	"syscall"
	"testing"
	"time"
)

// TestShutdown checks that the service stops gracefully on SIGTERM: a
// request in flight is answered, and the process exits with status 0.
func TestShutdown(t *testing.T) {
	p := start(t, build(t))
	p.configureStore(false, 500*time.Millisecond)

	type answer struct {
		status int
		err    error
	}
	answered := make(chan answer, 1)
	go func() {
		status, _, err := try(context.Background(), http.MethodGet, "http://"+p.http+"/items/apple", "")
		answered <- answer{status, err}
	}()
	waitMetric(t, p, "inventory_api_in_flight", 1)

	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if a := <-answered; a.err != nil || a.status != http.StatusOK {
		t.Errorf("GET /items/apple in flight at SIGTERM: %d, %v; want 200", a.status, a.err)
	}
	<-p.done
	if err := p.cmd.Wait(); err != nil {
		t.Errorf("inventory after SIGTERM: %v, want exit status 0", err)
	}
}
