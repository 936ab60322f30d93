package ratelimit_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/ratelimit"
	kithttp "github.com/endpointkit/kit/transport/http"
)

// waitForDeadline is a dependency that answers at once when the call has no
// deadline, and otherwise holds it until its context ends: a backend that
// is fine, called by someone whose budget is too short for it.
func waitForDeadline(ctx context.Context, _ any) (any, error) {
	if _, ok := ctx.Deadline(); !ok {
		return "ok", nil
	}
	<-ctx.Done()
	return nil, ctx.Err()
}

// TestAdaptiveIgnoresCallerDeadlinesOverHTTP is the attack of issue 11: 60
// requests carrying Kit-Timeout: 2 through a real HTTP server must not cut
// the Adaptive limit that every caller shares (they cut it from 20 to 1
// when a caller's deadline counted as a drop), and the next caller without
// a tiny budget is served.
func TestAdaptiveIgnoresCallerDeadlinesOverHTTP(t *testing.T) {
	a := ratelimit.NewAdaptive(ratelimit.AdaptiveSettings{Initial: 20})
	srv := httptest.NewServer(kithttp.NewServer(a.Middleware(waitForDeadline),
		func(context.Context, *http.Request) (any, error) { return nil, nil },
		kithttp.EncodeJSONResponse))
	defer srv.Close()
	post := func(budget string) int {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader("{}"))
		if budget != "" {
			req.Header.Set(kithttp.TimeoutHeader, budget)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatalf("POST: %v", err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	for i := range 60 {
		if code := post("2"); code != http.StatusGatewayTimeout {
			t.Fatalf("request %d with %s: 2: status %d, want 504", i, kithttp.TimeoutHeader, code)
		}
	}
	if got := a.Limit(); got != 20 {
		t.Errorf("Limit after 60 callers ran out of their own 2ms budgets = %d, want 20", got)
	}
	if code := post(""); code != http.StatusOK {
		t.Errorf("next caller: status %d, want 200", code)
	}
}

// TestAdaptiveMiddlewareOutcomes checks what each kind of call tells the
// limit: only this hop's own timeouts (and timeouts reported from below)
// are drops.
func TestAdaptiveMiddlewareOutcomes(t *testing.T) {
	slow := func(ctx context.Context, _ any) (any, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	expiredCaller := func() (context.Context, context.CancelFunc) {
		return context.WithTimeout(context.Background(), time.Millisecond)
	}
	bg := func() (context.Context, context.CancelFunc) { return context.Background(), func() {} }
	for _, tc := range []struct {
		name    string
		ctx     func() (context.Context, context.CancelFunc)
		e       endpoint.Endpoint
		dropped bool
	}{
		{"this hop's timeout", bg, endpoint.Timeout(time.Millisecond)(slow), true},
		{"a timeout from below", bg, func(context.Context, any) (any, error) { return nil, fmt.Errorf("call: %w", context.DeadlineExceeded) }, true},
		{"the caller's deadline", expiredCaller, slow, false},
		{"a caller error", bg, func(context.Context, any) (any, error) {
			return nil, endpoint.WithOutcome(errors.New("bad request"), endpoint.Outcome{Kind: endpoint.CallerError})
		}, false},
		{"a refusal from below", bg, func(context.Context, any) (any, error) { return nil, ratelimit.ErrLimited }, false},
		{"a connection error", bg, func(context.Context, any) (any, error) { return nil, errors.New("connection refused") }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := ratelimit.NewAdaptive(ratelimit.AdaptiveSettings{Initial: 20})
			e := a.Middleware(tc.e)
			for range 10 {
				ctx, cancel := tc.ctx()
				e(ctx, nil)
				cancel()
			}
			if dropped := a.Limit() < 20; dropped != tc.dropped {
				t.Errorf("Limit after 10 calls = %d; dropped = %v, want %v", a.Limit(), dropped, tc.dropped)
			}
		})
	}
	// A custom classifier decides: here every error is a hop timeout.
	a := ratelimit.NewAdaptive(ratelimit.AdaptiveSettings{Initial: 20}, ratelimit.AdaptiveClassifier(
		func(context.Context, any, error) endpoint.Outcome {
			return endpoint.Outcome{Kind: endpoint.DependencyFailure}
		}))
	a.Middleware(func(context.Context, any) (any, error) { return nil, context.DeadlineExceeded })(context.Background(), nil)
	if got := a.Limit(); got != 18 {
		t.Errorf("Limit after a drop under a custom classifier = %d, want 18", got)
	}
}

func TestRefusalsAreOverloaded(t *testing.T) {
	want := endpoint.Outcome{Kind: endpoint.Overloaded, Retryable: true}
	wait := ratelimit.NewDelayingLimiter(ratelimit.WaiterFunc(func(context.Context) error { return errors.New("would outlive the deadline") }))
	_, waitErr := wait(endpoint.Nop)(context.Background(), nil)
	for name, err := range map[string]error{
		"ErrLimited":                ratelimit.ErrLimited,
		"ErrInFlight":               ratelimit.ErrInFlight,
		"wrapped ErrInFlight":       fmt.Errorf("call: %w", ratelimit.ErrInFlight),
		"NewDelayingLimiter's wait": waitErr,
	} {
		if got := endpoint.Classify(context.Background(), nil, err); got != want {
			t.Errorf("Classify(%s: %v) = %v, want %v", name, err, got, want)
		}
		if !errors.Is(err, ratelimit.ErrLimited) {
			t.Errorf("errors.Is(%s, ErrLimited) = false, want true", name)
		}
	}
}
