package benchmarks

import (
	"context"
	"fmt"
	"testing"

	gokit "github.com/go-kit/kit/endpoint"

	"github.com/endpointkit/kit/endpoint"
)

// The workload: a trivial endpoint behind n pass-through middlewares. Each
// contestant composes the same middlewares its own way; what differs is only
// the cost of composition at call time.

type request struct{ A, B int }

func sum(_ context.Context, req any) (any, error) {
	r := req.(*request)
	return r.A + r.B, nil
}

// handChain is the limit: the closures written out by hand, no helper.
func handChain(n int) func(context.Context, any) (any, error) {
	e := sum
	for range n {
		next := e
		e = func(ctx context.Context, req any) (any, error) { return next(ctx, req) }
	}
	return e
}

func kitChain(n int) endpoint.Endpoint {
	pass := func(next endpoint.Endpoint) endpoint.Endpoint {
		return func(ctx context.Context, req any) (any, error) { return next(ctx, req) }
	}
	if n == 0 {
		return sum
	}
	others := make([]endpoint.Middleware, n-1)
	for i := range others {
		others[i] = pass
	}
	return endpoint.Chain(pass, others...)(sum)
}

func gokitChain(n int) gokit.Endpoint {
	pass := func(next gokit.Endpoint) gokit.Endpoint {
		return func(ctx context.Context, req any) (any, error) { return next(ctx, req) }
	}
	if n == 0 {
		return sum
	}
	others := make([]gokit.Middleware, n-1)
	for i := range others {
		others[i] = pass
	}
	return gokit.Chain(pass, others...)(sum)
}

type contestant struct {
	name  string
	chain func(n int) func(context.Context, any) (any, error)
}

var chainContestants = []contestant{
	{"hand", handChain},
	{"gokit", func(n int) func(context.Context, any) (any, error) { return gokitChain(n) }},
	{"kit", func(n int) func(context.Context, any) (any, error) { return kitChain(n) }},
}

func TestChainsAgree(t *testing.T) {
	ctx := context.Background()
	for _, c := range chainContestants {
		for _, n := range []int{0, 1, 5} {
			got, err := c.chain(n)(ctx, &request{A: 2, B: 3})
			if err != nil || got != 5 {
				t.Errorf("impl=%s depth=%d: got (%v, %v), want (5, nil)", c.name, n, got, err)
			}
		}
	}
}

// BenchmarkChain measures a call through 0, 1 and 5 pass-through middlewares,
// with a request allocated per call (fresh) and with one reused request.
func BenchmarkChain(b *testing.B) {
	ctx := context.Background()
	for _, n := range []int{0, 1, 5} {
		for _, req := range []string{"fresh", "reused"} {
			for _, c := range chainContestants {
				name := fmt.Sprintf("depth=%d/req=%s/impl=%s", n, req, c.name)
				b.Run(name, func(b *testing.B) {
					e := c.chain(n)
					reused := &request{A: 2, B: 3}
					b.ReportAllocs()
					for b.Loop() {
						r := reused
						if req == "fresh" {
							r = &request{A: 2, B: 3}
						}
						if _, err := e(ctx, r); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		}
	}
}
