package ratelimit_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/ratelimit"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// budget returns a limiter factory giving each key n events, and counts
// how many limiters were made.
func budget(n int, made *int) func(string) ratelimit.Allower {
	return func(string) ratelimit.Allower {
		*made++
		left := n
		return ratelimit.AllowerFunc(func() bool {
			if left == 0 {
				return false
			}
			left--
			return true
		})
	}
}

func TestKeyedSeparatesKeys(t *testing.T) {
	var made int
	k := ratelimit.NewKeyed(budget(2, &made), ratelimit.KeyedSettings{})
	for _, tc := range []struct {
		key  string
		want bool
	}{{"a", true}, {"a", true}, {"a", false}, {"b", true}, {"b", true}, {"b", false}, {"a", false}} {
		if got := k.AllowAt(tc.key, t0); got != tc.want {
			t.Errorf("AllowAt(%q) = %v, want %v", tc.key, got, tc.want)
		}
	}
	if made != 2 {
		t.Errorf("limiters made = %d, want 2", made)
	}
}

func TestKeyedEvictsIdleKeys(t *testing.T) {
	var made int
	k := ratelimit.NewKeyed(budget(1, &made), ratelimit.KeyedSettings{Idle: time.Minute})
	k.AllowAt("a", t0)
	k.AllowAt("b", t0.Add(30*time.Second))
	if got := k.AllowAt("a", t0.Add(59*time.Second)); got {
		t.Errorf("AllowAt(a) within Idle = true, want false (budget spent, key kept)")
	}
	// At t0+2m both keys have been idle for over a minute: a call on a
	// third key drops them.
	k.AllowAt("c", t0.Add(2*time.Minute))
	if got := k.Len(); got != 1 {
		t.Errorf("Len after idle spell = %d, want 1", got)
	}
	if got := k.AllowAt("a", t0.Add(2*time.Minute)); !got {
		t.Errorf("AllowAt(a) after eviction = false, want true (fresh limiter)")
	}
}

func TestKeyedBoundsKeys(t *testing.T) {
	var made int
	k := ratelimit.NewKeyed(budget(1, &made), ratelimit.KeyedSettings{MaxKeys: 100})
	for i := range 10000 {
		k.AllowAt(fmt.Sprint("caller-", i), t0.Add(time.Duration(i)*time.Millisecond))
	}
	if got := k.Len(); got != 100 {
		t.Errorf("Len after 10000 distinct keys = %d, want 100", got)
	}
	// The most recent keys are kept, the oldest were dropped.
	if k.AllowAt("caller-9999", t0.Add(10*time.Second)) {
		t.Error("AllowAt(caller-9999) = true, want false: a recent key must be kept")
	}
	if !k.AllowAt("caller-0", t0.Add(10*time.Second)) {
		t.Error("AllowAt(caller-0) = false, want true: the oldest key must have been dropped")
	}
}

type callerKey struct{}

func TestKeyedMiddleware(t *testing.T) {
	k := ratelimit.NewKeyed(func(string) ratelimit.Allower { return rate.NewLimiter(rate.Every(time.Hour), 1) }, ratelimit.KeyedSettings{})
	e := k.Middleware(func(ctx context.Context) string {
		s, _ := ctx.Value(callerKey{}).(string)
		return s
	})(endpoint.Nop)
	alice := context.WithValue(context.Background(), callerKey{}, "alice")
	bob := context.WithValue(context.Background(), callerKey{}, "bob")
	if _, err := e(alice, nil); err != nil {
		t.Fatalf("alice's first call: %v", err)
	}
	if _, err := e(alice, nil); !errors.Is(err, ratelimit.ErrLimited) {
		t.Errorf("alice's second call: err = %v, want ErrLimited", err)
	}
	if _, err := e(bob, nil); err != nil {
		t.Errorf("bob's first call: err = %v, want nil (his own budget)", err)
	}
}

func TestKeyedConcurrent(t *testing.T) {
	k := ratelimit.NewKeyed(func(string) ratelimit.Allower { return rate.NewLimiter(1000, 10) },
		ratelimit.KeyedSettings{MaxKeys: 50, Idle: time.Second})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 3000 {
				k.AllowAt(fmt.Sprint(g, "-", i%97), t0.Add(time.Duration(i)*time.Millisecond))
			}
		})
	}
	wg.Wait()
	if got := k.Len(); got > 50 {
		t.Errorf("Len = %d, want <= 50", got)
	}
}
