package circuitbreaker_test

import (
	"context"
	"errors"
	"testing"

	"github.com/sony/gobreaker/v2"

	"github.com/endpointkit/kit/circuitbreaker"
	"github.com/endpointkit/kit/endpoint"
)

func TestGobreaker(t *testing.T) {
	cb := gobreaker.NewCircuitBreaker[any](gobreaker.Settings{})
	var changes []string
	g := &recGauge{}
	mw := circuitbreaker.Gobreaker(cb,
		circuitbreaker.BreakerStateGauge(g),
		circuitbreaker.BreakerStateChange(func(from, to circuitbreaker.State) {
			_ = cb.State() // safe: not under gobreaker's lock
			changes = append(changes, from.String()+">"+to.String())
		}))
	var fail error
	e := mw(func(ctx context.Context, req any) (any, error) {
		if fail != nil {
			return nil, fail
		}
		return failerResp{errors.New("invalid argument")}, nil
	})
	// Business errors are successes.
	for range 20 {
		resp, err := e(context.Background(), nil)
		if err != nil {
			t.Fatalf("call: %v", err)
		}
		if _, ok := resp.(failerResp); !ok {
			t.Fatalf("response = %T, want failerResp passed through", resp)
		}
	}
	// So are the caller's own cancellations, however many.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	fail = context.Canceled
	for range 20 {
		e(ctx, nil)
	}
	if got := cb.State(); got != gobreaker.StateClosed {
		t.Fatalf("gobreaker state after business errors and cancellations = %v, want closed", got)
	}
	// Six consecutive failures trip gobreaker's default.
	fail = errors.New("connection refused")
	for range 6 {
		if _, err := e(context.Background(), nil); !errors.Is(err, fail) {
			t.Fatalf("call: err = %v, want %v", err, fail)
		}
	}
	_, err := e(context.Background(), nil)
	if !errors.Is(err, circuitbreaker.ErrOpen) || !errors.Is(err, gobreaker.ErrOpenState) {
		t.Errorf("call on an open breaker: err = %v, want ErrOpen and gobreaker.ErrOpenState", err)
	}
	if len(changes) != 1 || changes[0] != "closed>open" {
		t.Errorf("state changes = %v, want [closed>open]", changes)
	}
	if got := g.last(); got != float64(circuitbreaker.Open) {
		t.Errorf("state gauge = %v, want %v", got, float64(circuitbreaker.Open))
	}
}

func TestGobreakerClassifier(t *testing.T) {
	badResp := "overloaded"
	clientErr := errors.New("bad request")
	classify := func(ctx context.Context, resp any, err error) endpoint.Outcome {
		switch {
		case resp == badResp:
			return failure // a bad response with no error
		case errors.Is(err, clientErr):
			return success
		case err != nil:
			return failure
		}
		return success
	}
	tests := []struct {
		name        string
		resp        any
		err         error
		wantTripped bool // after 6 such calls, gobreaker's default trip
	}{
		{"success", "ok", nil, false},
		{"client error is a success", nil, clientErr, false},
		{"bad response without error is a failure", badResp, nil, true},
		{"other error is a failure", nil, errors.New("connection refused"), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cb := gobreaker.NewCircuitBreaker[any](gobreaker.Settings{})
			e := circuitbreaker.Gobreaker(cb, circuitbreaker.BreakerClassifier(classify))(
				func(ctx context.Context, req any) (any, error) { return tt.resp, tt.err })
			for i := range 6 {
				resp, err := e(context.Background(), nil)
				if resp != tt.resp || !errors.Is(err, tt.err) || (tt.err == nil && err != nil) {
					t.Fatalf("call %d = (%v, %v), want (%v, %v): the caller sees what the endpoint returned", i, resp, err, tt.resp, tt.err)
				}
			}
			_, err := e(context.Background(), nil)
			if tripped := errors.Is(err, circuitbreaker.ErrOpen); tripped != tt.wantTripped {
				t.Errorf("after 6 calls: err = %v, tripped = %v, want %v", err, tripped, tt.wantTripped)
			}
		})
	}
}
