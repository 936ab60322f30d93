package endpoint_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/endpointkit/kit/endpoint"
)

func ExampleChain() {
	annotate := func(name string) endpoint.Middleware {
		return func(next endpoint.Endpoint) endpoint.Endpoint {
			return func(ctx context.Context, req any) (any, error) {
				fmt.Println(name, "before")
				defer fmt.Println(name, "after")
				return next(ctx, req)
			}
		}
	}
	e := endpoint.Chain(annotate("first"), annotate("second"), annotate("third"))(
		func(context.Context, any) (any, error) {
			fmt.Println("endpoint")
			return nil, nil
		},
	)
	_, _ = e(context.Background(), nil)
	// Output:
	// first before
	// second before
	// third before
	// endpoint
	// third after
	// second after
	// first after
}

type SumRequest struct{ A, B int }
type SumResponse struct{ V int }

func ExampleFromFunc() {
	// A service method with its own types...
	sum := func(_ context.Context, req SumRequest) (SumResponse, error) {
		return SumResponse{V: req.A + req.B}, nil
	}
	// ...becomes an Endpoint that middlewares and transports can serve.
	e := endpoint.FromFunc(sum)

	resp, err := e(context.Background(), SumRequest{A: 1, B: 2})
	fmt.Printf("%+v %v\n", resp, err)

	// A request of the wrong type is an error, not a panic.
	_, err = e(context.Background(), &SumRequest{A: 1, B: 2})
	fmt.Println(err)
	fmt.Println(errors.Is(err, endpoint.ErrWrongType))
	// Output:
	// {V:3} <nil>
	// endpoint: request has type *endpoint_test.SumRequest, want endpoint_test.SumRequest
	// true
}

func ExampleToFunc() {
	// An Endpoint, as a transport client or a load balancer would return it;
	// here it stands in for a remote Sum method.
	e := endpoint.FromFunc(func(_ context.Context, req SumRequest) (SumResponse, error) {
		return SumResponse{V: req.A + req.B}, nil
	})

	// Callers get back a function with the service's own signature.
	sum := endpoint.ToFunc[SumRequest, SumResponse](e)
	resp, err := sum(context.Background(), SumRequest{A: 20, B: 22})
	fmt.Println(resp.V, err)
	// Output:
	// 42 <nil>
}
