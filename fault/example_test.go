package fault_test

import (
	"context"
	"fmt"
	"time"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/fault"
)

func Example() {
	// Every third call fails as an overloaded dependency would (a 429).
	in, err := fault.NewInjector(fault.Settings{
		Error: fault.Failure{
			Trigger: fault.Trigger{Every: 3},
			Outcome: endpoint.Outcome{Kind: endpoint.Overloaded, Retryable: true},
		},
	}, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	e := in.Middleware()(endpoint.Nop)
	ctx := context.Background()
	for i := 1; i <= 3; i++ {
		_, err := e(ctx, nil)
		fmt.Println(i, endpoint.Classify(ctx, nil, err), err)
	}

	// At run time, switch to dropping 5% of calls, 10 seconds in every
	// minute; Disable turns injection off.
	err = in.Set(fault.Settings{Drop: fault.Drop{Trigger: fault.Trigger{
		Probability: 0.05,
		Window:      fault.Window{On: 10 * time.Second, Off: 50 * time.Second},
	}}})
	fmt.Println(err, in.Settings().Drop.Probability)
	in.Disable()
	_, err = e(ctx, nil)
	fmt.Println(err)
	// Output:
	// 1 success <nil>
	// 2 success <nil>
	// 3 overloaded+retryable fault: injected overloaded+retryable
	// <nil> 0.05
	// <nil>
}
