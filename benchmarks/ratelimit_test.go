package benchmarks

import (
	"context"
	"errors"
	"testing"

	gokitrl "github.com/go-kit/kit/ratelimit"
	"golang.org/x/time/rate"

	"github.com/endpointkit/kit/ratelimit"
)

// The rate-limit overhead workload: sum behind an erroring limiter whose
// *rate.Limiter never runs out, so every call pays rate.Limiter.Allow (one
// time.Now and a mutex) plus the wrapper. impl=rate calls Allow by hand: the
// primitive both wrappers wrap.

func newOpenLimiter() *rate.Limiter { return rate.NewLimiter(rate.Limit(1e12), 1<<30) }

type endpointFunc = func(context.Context, any) (any, error)

var rateContestants = []struct {
	name string
	make func(*rate.Limiter) endpointFunc
}{
	{"rate", func(l *rate.Limiter) endpointFunc {
		return func(ctx context.Context, req any) (any, error) {
			if !l.Allow() {
				return nil, ratelimit.ErrLimited
			}
			return sum(ctx, req)
		}
	}},
	{"gokit", func(l *rate.Limiter) endpointFunc { return gokitrl.NewErroringLimiter(l)(sum) }},
	{"kit", func(l *rate.Limiter) endpointFunc { return ratelimit.NewErroringLimiter(l)(sum) }},
}

func TestRateLimitersAgree(t *testing.T) {
	for _, c := range rateContestants {
		e := c.make(rate.NewLimiter(rate.Every(1<<62), 2)) // two calls, then none
		for i, wantErr := range []bool{false, false, true} {
			got, err := e(context.Background(), &request{A: 2, B: 3})
			if (err != nil) != wantErr || (err == nil && got != 5) {
				t.Errorf("impl=%s call %d: got (%v, %v), want error=%v", c.name, i, got, err, wantErr)
			}
			if err != nil && c.name != "gokit" && !errors.Is(err, ratelimit.ErrLimited) {
				t.Errorf("impl=%s: err = %v, want ErrLimited", c.name, err)
			}
		}
	}
}

// BenchmarkRateLimit measures the success path of an erroring limiter over
// *rate.Limiter, serially and under b.RunParallel.
func BenchmarkRateLimit(b *testing.B) {
	ctx := context.Background()
	for _, mode := range []string{"serial", "parallel"} {
		for _, c := range rateContestants {
			b.Run("mode="+mode+"/impl="+c.name, func(b *testing.B) {
				e := c.make(newOpenLimiter())
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
