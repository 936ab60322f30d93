package generic_test

import (
	"fmt"

	"github.com/endpointkit/kit/metrics/generic"
)

func Example() {
	requests := generic.NewCounter("requests")
	latency := generic.NewHistogram("latency_seconds")
	for i := 1; i <= 100; i++ {
		requests.With("method", "sum").Add(1)
		latency.With("method", "sum").Observe(float64(i) / 1000)
	}
	fmt.Println(requests.With("method", "sum").(*generic.Counter).Value())
	fmt.Printf("p50 ≈ %.3f\n", latency.With("method", "sum").(*generic.Histogram).Quantile(0.5))
	// Output:
	// 100
	// p50 ≈ 0.050
}
