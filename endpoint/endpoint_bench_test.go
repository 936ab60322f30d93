package endpoint_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/endpointkit/kit/endpoint"
)

type benchRequest struct{ A, B int }

// pass is the cheapest possible middleware, so that the benchmark measures
// what Chain itself costs per call.
func pass(next endpoint.Endpoint) endpoint.Endpoint {
	return func(ctx context.Context, req any) (any, error) { return next(ctx, req) }
}

func chainOf(n int) endpoint.Endpoint {
	if n == 0 {
		return endpoint.Nop
	}
	others := make([]endpoint.Middleware, n-1)
	for i := range others {
		others[i] = pass
	}
	return endpoint.Chain(pass, others...)(endpoint.Nop)
}

// BenchmarkChain calls Nop through 0, 1 and 5 pass-through middlewares, with
// a request allocated per call and with one reused. The "fresh" rows carry
// the request's own allocation; the chain must add none.
func BenchmarkChain(b *testing.B) {
	ctx := context.Background()
	for _, n := range []int{0, 1, 5} {
		e := chainOf(n)
		b.Run(fmt.Sprintf("depth=%d/req=reused", n), func(b *testing.B) {
			req := &benchRequest{A: 1, B: 2}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := e(ctx, req); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("depth=%d/req=fresh", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := e(ctx, &benchRequest{A: 1, B: 2}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkTypedRoundTrip calls a typed function through ToFunc and FromFunc.
// Boxing the request and the response into interfaces costs one allocation
// each for types larger than a pointer; with pointer types, nothing.
func BenchmarkTypedRoundTrip(b *testing.B) {
	ctx := context.Background()
	b.Run("types=value", func(b *testing.B) {
		call := endpoint.ToFunc[sumRequest, sumResponse](endpoint.FromFunc(sum))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := call(ctx, sumRequest{A: 1, B: 2}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("types=pointer", func(b *testing.B) {
		resp := &sumResponse{}
		call := endpoint.ToFunc[*sumRequest, *sumResponse](endpoint.FromFunc(
			func(_ context.Context, req *sumRequest) (*sumResponse, error) { return resp, nil },
		))
		req := &sumRequest{A: 1, B: 2}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := call(ctx, req); err != nil {
				b.Fatal(err)
			}
		}
	})
}
