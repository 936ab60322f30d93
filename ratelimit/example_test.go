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
