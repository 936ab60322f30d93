package circuitbreaker_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/endpointkit/kit/circuitbreaker"
	"github.com/endpointkit/kit/endpoint"
)

func ExampleBreaker() {
	b := circuitbreaker.NewBreaker(
		circuitbreaker.Settings{MinRequests: 4, FailureRatio: 0.5, OpenFor: 10 * time.Second},
		circuitbreaker.BreakerStateChange(func(from, to circuitbreaker.State) {
			fmt.Println("breaker:", from, "->", to)
		}),
	)
	healthy := true
	e := b.Middleware(func(context.Context, any) (any, error) {
		if healthy {
			return "ok", nil
		}
		return nil, errors.New("backend down")
	})

	e(context.Background(), nil)
	e(context.Background(), nil)
	healthy = false
	e(context.Background(), nil)
	e(context.Background(), nil) // 2 of 4 failed: opens
	_, err := e(context.Background(), nil)
	fmt.Println(errors.Is(err, circuitbreaker.ErrOpen))

	// Ten seconds on, the breaker lets probes through. The middleware reads
	// time.Now; code that has the instant already (or a test that wants
	// one) uses the explicit-instant methods, as here.
	later := time.Now().Add(10 * time.Second)
	for range 5 { // the default number of probes
		tk, err := b.AllowAt(later)
		if err != nil {
			fmt.Println("probe refused:", err)
			continue
		}
		b.DoneAt(tk, later, endpoint.Outcome{Kind: endpoint.Success})
	}
	// Output:
	// breaker: closed -> open
	// true
	// breaker: open -> half-open
	// breaker: half-open -> closed
}

func ExampleThrottle() {
	th := circuitbreaker.NewThrottle(circuitbreaker.ThrottleSettings{K: 2})
	e := th.Middleware(func(context.Context, any) (any, error) {
		return nil, errors.New("overloaded")
	})
	var sent, dropped int
	for range 1000 {
		if _, err := e(context.Background(), nil); errors.Is(err, circuitbreaker.ErrThrottled) {
			dropped++
		} else {
			sent++
		}
	}
	// A backend that accepts nothing sees a small share of the attempts:
	// about a tenth, the share MaxReject leaves it by default.
	fmt.Println(sent < 150, dropped > 850)
	// Output: true true
}

// One Classifier, kit's failure model with one change, for every breaker of
// a service: here a business error counts as a failure too (the dependency
// answers, but with an error it should not give).
func ExampleBreakerClassifier() {
	classify := func(ctx context.Context, resp any, err error) endpoint.Outcome {
		o := endpoint.Classify(ctx, resp, err)
		if o.Kind == endpoint.BusinessError {
			o.Kind = endpoint.DependencyFailure
		}
		return o
	}
	b := circuitbreaker.NewBreaker(circuitbreaker.Settings{MinRequests: 3}, circuitbreaker.BreakerClassifier(classify))
	e := b.Middleware(func(context.Context, any) (any, error) {
		return failerResp{errors.New("quota table missing")}, nil
	})
	for range 3 {
		e(context.Background(), nil)
	}
	_, err := e(context.Background(), nil)
	fmt.Println(err)
	// Output: circuitbreaker: breaker is open
}
