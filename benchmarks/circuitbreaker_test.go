package benchmarks

import (
	"context"
	"testing"
	"time"

	gokitcb "github.com/go-kit/kit/circuitbreaker"
	gobreakerv1 "github.com/sony/gobreaker"
	"github.com/sony/gobreaker/v2"

	"github.com/endpointkit/kit/circuitbreaker"
	"github.com/endpointkit/kit/ratelimit"
)

// The breaker overhead workload: sum behind a closed breaker. impl=bare is
// sum alone; impl=gobreaker-v2 calls Execute by hand (the primitive kit's
// adapter wraps); impl=now is sum plus one time.Now, the yardstick for the
// native breakers, which read the clock once per call.

var breakerContestants = []struct {
	name string
	make func() endpointFunc
}{
	{"bare", func() endpointFunc { return sum }},
	{"now", func() endpointFunc {
		return func(ctx context.Context, req any) (any, error) {
			_ = time.Now()
			return sum(ctx, req)
		}
	}},
	{"gobreaker-v2", func() endpointFunc {
		cb := gobreaker.NewCircuitBreaker[any](gobreaker.Settings{})
		return func(ctx context.Context, req any) (any, error) {
			return cb.Execute(func() (any, error) { return sum(ctx, req) })
		}
	}},
	{"gobreaker-v2-mw", func() endpointFunc {
		// The least a middleware over Execute can do: it calls next
		// through a func value, which the hand-written call above
		// inlines.
		cb := gobreaker.NewCircuitBreaker[any](gobreaker.Settings{})
		mw := func(next endpointFunc) endpointFunc {
			return func(ctx context.Context, req any) (any, error) {
				return cb.Execute(func() (any, error) { return next(ctx, req) })
			}
		}
		return mw(sum)
	}},
	{"gokit-gobreaker", func() endpointFunc {
		return gokitcb.Gobreaker(gobreakerv1.NewCircuitBreaker(gobreakerv1.Settings{}))(sum)
	}},
	{"kit-gobreaker", func() endpointFunc {
		return circuitbreaker.Gobreaker(gobreaker.NewCircuitBreaker[any](gobreaker.Settings{}))(sum)
	}},
	{"kit-breaker", func() endpointFunc {
		return circuitbreaker.NewBreaker(circuitbreaker.Settings{}).Middleware(sum)
	}},
	{"kit-throttle", func() endpointFunc {
		return circuitbreaker.NewThrottle(circuitbreaker.ThrottleSettings{}).Middleware(sum)
	}},
	{"kit-bulkhead", func() endpointFunc { return ratelimit.NewBulkhead(1 << 20).Middleware(sum) }},
	{"kit-adaptive", func() endpointFunc {
		return ratelimit.NewAdaptive(ratelimit.AdaptiveSettings{Initial: 1 << 20, Max: 1 << 20}).Middleware(sum)
	}},
	{"kit-keyed", func() endpointFunc {
		// One hot key over a limiter that always allows: the cost of
		// finding the key's limiter (and one time.Now, for idle keys).
		k := ratelimit.NewKeyed(func(string) ratelimit.Allower {
			return ratelimit.AllowerFunc(func() bool { return true })
		}, ratelimit.KeyedSettings{})
		return k.Middleware(func(context.Context) string { return "caller" })(sum)
	}},
}

func TestBreakersAgree(t *testing.T) {
	for _, c := range breakerContestants {
		got, err := c.make()(context.Background(), &request{A: 2, B: 3})
		if err != nil || got != 5 {
			t.Errorf("impl=%s: got (%v, %v), want (5, nil)", c.name, got, err)
		}
	}
}

// BenchmarkBreaker measures the success path through a closed breaker (and
// kit's concurrency limits), serially and under b.RunParallel.
func BenchmarkBreaker(b *testing.B) {
	ctx := context.Background()
	for _, mode := range []string{"serial", "parallel"} {
		for _, c := range breakerContestants {
			b.Run("mode="+mode+"/impl="+c.name, func(b *testing.B) {
				e := c.make()
				req := &request{A: 2, B: 3}
				b.ReportAllocs()
				if mode == "parallel" {
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() {
							e(ctx, req)
						}
					})
					return
				}
				for b.Loop() {
					if _, err := e(ctx, req); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
