package fault_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/fault"
)

func hello(n *atomic.Int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		io.WriteString(w, "hello")
	})
}

func TestHandlerPassesThroughAndDelays(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		in := new(fault.Injector)
		var n atomic.Int64
		h := in.Handler(hello(&n))
		for _, want := range []time.Duration{0, 250 * time.Millisecond} {
			if want > 0 {
				if err := in.Set(fault.Settings{Latency: fault.Latency{Trigger: always, Fixed: want}}); err != nil {
					t.Fatal(err)
				}
			}
			rec := httptest.NewRecorder()
			start := time.Now()
			h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
			if d := time.Since(start); d != want || rec.Code != 200 || rec.Body.String() != "hello" {
				t.Errorf("got %d %q after %v, want 200 hello after %v", rec.Code, rec.Body, d, want)
			}
		}
		if n.Load() != 2 {
			t.Errorf("handler ran %d times, want 2", n.Load())
		}
	})
}

func TestHandlerErrorStatusMapsBack(t *testing.T) {
	for _, o := range []endpoint.Outcome{
		{Kind: endpoint.Overloaded, Retryable: true},
		{Kind: endpoint.CallerError},
		{Kind: endpoint.DependencyFailure, Retryable: true},
		{Kind: endpoint.DependencyFailure},
	} {
		in := mustInjector(t, fault.Settings{Error: fault.Failure{Trigger: always, Outcome: o}})
		var n atomic.Int64
		rec := httptest.NewRecorder()
		in.Handler(hello(&n)).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
		if got := endpoint.OutcomeOfStatus(rec.Code); got != o {
			t.Errorf("Outcome %v: status %d maps back to %v", o, rec.Code, got)
		}
		if n.Load() != 0 || !strings.Contains(rec.Body.String(), "fault: injected") {
			t.Errorf("Outcome %v: handler ran %d times, body %q", o, n.Load(), rec.Body)
		}
	}
}

// TestHandlerDrop serves over loopback: a dropped request reaches the
// client as a lost connection, before or after the handler ran.
func TestHandlerDrop(t *testing.T) {
	for _, after := range []bool{false, true} {
		in := mustInjector(t, fault.Settings{Drop: fault.Drop{Trigger: always, AfterCall: after}})
		var n atomic.Int64
		srv := httptest.NewServer(in.Handler(hello(&n)))
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
		resp, err := srv.Client().Do(req)
		if err == nil {
			resp.Body.Close()
			t.Errorf("AfterCall %v: got status %d, want a lost connection", after, resp.StatusCode)
		} else if ctx.Err() != nil {
			t.Errorf("AfterCall %v: request timed out (%v), want a lost connection", after, err)
		}
		if want := map[bool]int64{false: 0, true: 1}[after]; n.Load() != want {
			t.Errorf("AfterCall %v: handler ran %d times, want %d", after, n.Load(), want)
		}
		cancel()
		srv.Close()
	}
}
