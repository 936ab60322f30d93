package addclient_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/endpointkit/kit/examples/addsvc/pkg/addclient"
	"github.com/endpointkit/kit/examples/addsvc/pkg/addendpoint"
	"github.com/endpointkit/kit/examples/addsvc/pkg/addservice"
	"github.com/endpointkit/kit/examples/addsvc/pkg/addtransport"
	"github.com/endpointkit/kit/loadbalancer/static"
	"github.com/endpointkit/kit/log"
)

// TestHedgeAndAttemptHooks runs the stack with Hedge over two real HTTP
// servers, one of which turns to answering only after 2s (or when its
// caller gives up): every call must succeed well before that, each call
// the slow instance took must have had a backup on the fast one, and
// OnAttempt must have seen every attempt, backups included.
func TestHedgeAndAttemptHooks(t *testing.T) {
	handler := addtransport.NewHTTPHandler(addendpoint.New(addservice.New(), log.NewNopLogger()), log.NewNopLogger())
	fast := httptest.NewServer(handler)
	defer fast.Close()
	var slowNow atomic.Bool
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !slowNow.Load() {
			handler.ServeHTTP(w, r)
			return
		}
		select {
		case <-time.After(2 * time.Second):
		case <-r.Context().Done(): // the loser's call is canceled
		}
		handler.ServeHTTP(w, r)
	}))
	defer slow.Close()
	fastAddr, slowAddr := strings.TrimPrefix(fast.URL, "http://"), strings.TrimPrefix(slow.URL, "http://")

	var mu sync.Mutex // guards attempts, backups
	attempts, backups := map[string]int{}, map[string]int{}
	instancer := static.NewInstancer([]string{fastAddr, slowAddr})
	defer instancer.Stop()
	svc, closer, err := addclient.New(instancer, addclient.Settings{
		Balancer:   "roundrobin", // so that the slow instance keeps getting first attempts
		Hedge:      true,
		HedgeDelay: 20 * time.Millisecond,
		// A backup for every call if need be: this test is about the
		// hooks and the rescue, not the budget (whose warm-up calls, on a
		// loaded machine, may themselves be hedged).
		HedgeMaxExtra: 1,
		NoBreaker:     true,
		OnAttempt: func(method, instance string) {
			mu.Lock()
			defer mu.Unlock()
			attempts[method+" "+instance]++
		},
		OnBackup: func(method, instance string) {
			mu.Lock()
			defer mu.Unlock()
			backups[method+" "+instance]++
		},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer closer.Close()

	// Warm-up: connections to both.
	for range 20 {
		if _, err := svc.Sum(context.Background(), 1, 1); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	clear(attempts)
	mu.Unlock()
	slowNow.Store(true)

	const calls = 10
	for i := range calls {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		began := time.Now()
		v, err := svc.Sum(ctx, i, 1)
		cancel()
		if err != nil || v != i+1 {
			t.Fatalf("Sum(%d, 1) = %d, %v; want %d, nil", i, v, err, i+1)
		}
		if d := time.Since(began); d > time.Second {
			t.Errorf("Sum(%d, 1) took %v: the backup did not rescue it", i, d)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	// Round robin gives the slow instance half the first attempts; each of
	// those needs a backup, on the fast one.
	if backups["sum "+slowAddr] != 0 {
		t.Errorf("backups on the slow instance: %d, want 0 (a backup goes to another instance)", backups["sum "+slowAddr])
	}
	nb := backups["sum "+fastAddr]
	if nb < calls/2 {
		t.Errorf("%d backups sent for %d calls, want one for each first attempt on the slow instance (%d)", nb, calls, calls/2)
	}
	total := attempts["sum "+fastAddr] + attempts["sum "+slowAddr]
	if total < calls+nb {
		t.Errorf("OnAttempt saw %d attempts for %d calls and %d backups, want at least %d (%v)", total, calls, nb, calls+nb, attempts)
	}
}
