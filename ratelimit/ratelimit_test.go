package ratelimit_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"golang.org/x/time/rate"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/ratelimit"
)

func TestErroringLimiter(t *testing.T) {
	// One token an hour and a burst of 3: exactly three calls pass.
	e := ratelimit.NewErroringLimiter(rate.NewLimiter(rate.Every(time.Hour), 3))(endpoint.Nop)
	for i := range 3 {
		if _, err := e(context.Background(), nil); err != nil {
			t.Fatalf("call %d: err = %v, want nil", i, err)
		}
	}
	if _, err := e(context.Background(), nil); !errors.Is(err, ratelimit.ErrLimited) {
		t.Errorf("4th call: err = %v, want ErrLimited", err)
	}
}

func TestAllowerFunc(t *testing.T) {
	allow := false
	e := ratelimit.NewErroringLimiter(ratelimit.AllowerFunc(func() bool { return allow }))(endpoint.Nop)
	if _, err := e(context.Background(), nil); !errors.Is(err, ratelimit.ErrLimited) {
		t.Errorf("refused call: err = %v, want ErrLimited", err)
	}
	allow = true
	if _, err := e(context.Background(), nil); err != nil {
		t.Errorf("allowed call: err = %v, want nil", err)
	}
}

func TestDelayingLimiter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		lim := rate.NewLimiter(rate.Every(100*time.Millisecond), 1)
		e := ratelimit.NewDelayingLimiter(lim)(endpoint.Nop)
		start := time.Now()
		for range 3 {
			if _, err := e(context.Background(), nil); err != nil {
				t.Fatalf("call: %v", err)
			}
		}
		if got := time.Since(start); got != 200*time.Millisecond {
			t.Errorf("3 calls at 10/s with burst 1 took %v, want 200ms", got)
		}

		// A wait that would outlive the deadline fails at once.
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		start = time.Now()
		_, err := e(ctx, nil)
		if !errors.Is(err, ratelimit.ErrLimited) {
			t.Errorf("call with 50ms left and 100ms to wait: err = %v, want ErrLimited", err)
		}
		if got := time.Since(start); got != 0 {
			t.Errorf("failing call waited %v, want 0 (fail fast)", got)
		}
	})
}

func TestDelayingLimiterKeepsCause(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	w := ratelimit.WaiterFunc(func(ctx context.Context) error { return ctx.Err() })
	_, err := ratelimit.NewDelayingLimiter(w)(endpoint.Nop)(ctx, nil)
	if !errors.Is(err, ratelimit.ErrLimited) || !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want one that is both ErrLimited and context.Canceled", err)
	}
}
