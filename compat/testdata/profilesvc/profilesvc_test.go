package profilesvc

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/go-kit/kit/metrics/generic"
	"github.com/go-kit/log"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newServer(t *testing.T, logs *syncBuffer, qps int) *httptest.Server {
	t.Helper()
	logger := log.NewLogfmtLogger(logs)
	calls := generic.NewCounter("calls")
	duration := generic.NewHistogram("duration_seconds", 50)
	e := MakeServerEndpoints(NewInmemService(), Middlewares(logger, calls, duration, qps))
	srv := httptest.NewServer(MakeHTTPHandler(e, logger))
	t.Cleanup(srv.Close)
	return srv
}

func TestProfileService(t *testing.T) {
	var logs syncBuffer
	srv := newServer(t, &logs, 1000)
	client, err := MakeClientEndpoints(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	var svc Service = client
	ctx := context.Background()

	alice := Profile{ID: "alice", Name: "Alice"}
	if err := svc.PostProfile(ctx, alice); err != nil {
		t.Fatalf("PostProfile: %v", err)
	}
	if err := svc.PostProfile(ctx, alice); !errors.Is(err, ErrAlreadyExists) {
		t.Errorf("second PostProfile: %v, want ErrAlreadyExists", err)
	}
	if got, err := svc.GetProfile(ctx, "alice"); err != nil || !reflect.DeepEqual(got, alice) {
		t.Errorf("GetProfile = %+v, %v; want %+v", got, err, alice)
	}
	if _, err := svc.GetProfile(ctx, "bob"); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetProfile(bob): %v, want ErrNotFound", err)
	}
	if err := svc.PutProfile(ctx, "alice", Profile{ID: "bob"}); !errors.Is(err, ErrInconsistentIDs) {
		t.Errorf("PutProfile with another ID: %v, want ErrInconsistentIDs", err)
	}
	home := Address{ID: "home", Location: "Lisbon"}
	if err := svc.PostAddress(ctx, "alice", home); err != nil {
		t.Fatalf("PostAddress: %v", err)
	}
	if got, err := svc.GetAddresses(ctx, "alice"); err != nil || !reflect.DeepEqual(got, []Address{home}) {
		t.Errorf("GetAddresses = %+v, %v; want [%+v]", got, err, home)
	}
	if err := svc.DeleteProfile(ctx, "alice"); err != nil {
		t.Errorf("DeleteProfile: %v", err)
	}
	if _, err := svc.GetAddresses(ctx, "alice"); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetAddresses after delete: %v, want ErrNotFound", err)
	}

	// A malformed body is a 400, logged by the transport's error handler.
	resp, err := http.Post(srv.URL+"/profiles/", "application/json", strings.NewReader(`{"id":`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("malformed profile: status %d, want 400", resp.StatusCode)
	}
	if out := logs.String(); !strings.Contains(out, "method=postProfile") || !strings.Contains(out, "bad request") {
		t.Errorf("logs lack the method or the bad request:\n%s", out)
	}
}

func TestProfileServiceRateLimit(t *testing.T) {
	var logs syncBuffer
	srv := newServer(t, &logs, 1)
	client, err := MakeClientEndpoints(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := client.GetProfile(ctx, "x"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("first call: %v, want ErrNotFound", err)
	}
	limited := 0
	for range 5 {
		if _, err := client.GetProfile(ctx, "x"); err != nil && strings.Contains(err.Error(), "status 429") {
			limited++
		}
	}
	if limited == 0 {
		t.Error("5 more calls at a limit of 1 a second (burst 1): none refused with 429")
	}
}
