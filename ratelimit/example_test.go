package ratelimit_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/time/rate"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/ratelimit"
)

func ExampleNewErroringLimiter() {
	// Two calls at once, then one an hour.
	lim := rate.NewLimiter(rate.Every(time.Hour), 2)
	e := ratelimit.NewErroringLimiter(lim)(endpoint.Nop)
	for range 3 {
		_, err := e(context.Background(), nil)
		fmt.Println(err == nil, errors.Is(err, ratelimit.ErrLimited))
	}
	// Output:
	// true false
	// true false
	// false true
}

func ExampleBulkhead() {
	b := ratelimit.NewBulkhead(1)
	inner := b.Middleware(endpoint.Nop)
	// A call made while another is in flight is refused at once.
	outer := b.Middleware(func(ctx context.Context, req any) (any, error) {
		return inner(ctx, req)
	})
	_, err := outer(context.Background(), nil)
	fmt.Println(err)
	// Output: ratelimit: too many requests in flight
}

func ExampleKeyed() {
	// Each caller gets its own bucket: one call now, then one an hour.
	k := ratelimit.NewKeyed(func(string) ratelimit.Allower {
		return rate.NewLimiter(rate.Every(time.Hour), 1)
	}, ratelimit.KeyedSettings{Idle: 10 * time.Minute, MaxKeys: 10000})
	for _, caller := range []string{"alice", "alice", "bob"} {
		fmt.Println(caller, k.Allow(caller))
	}
	// Output:
	// alice true
	// alice false
	// bob true
}

func ExampleAdaptive() {
	a := ratelimit.NewAdaptive(ratelimit.AdaptiveSettings{Initial: 10})
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	round := func(latency time.Duration) {
		var ts []ratelimit.AdaptiveTicket
		for range a.Limit() { // a full load of calls...
			t, _ := a.AcquireAt(now)
			ts = append(ts, t)
		}
		for _, t := range ts { // ...that all take latency
			a.ReleaseAt(t, now.Add(latency), ratelimit.Sampled)
		}
		now = now.Add(time.Second)
	}
	round(10 * time.Millisecond)
	fmt.Println("after unqueued calls:", a.Limit())
	for range 3 {
		round(50 * time.Millisecond) // 5x the best latency: calls are queueing
	}
	fmt.Println("after queueing:", a.Limit())
	// Output:
	// after unqueued calls: 16
	// after queueing: 6
}
