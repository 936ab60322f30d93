package graphite_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/endpointkit/kit/metrics/graphite"
)

func Example() {
	// In main: graphite.New("127.0.0.1:2003", ...) flushes every
	// FlushInterval and on Stop. Here, with no address, the example flushes
	// by hand, at a fixed instant (WriteToAt; WriteTo stamps the current
	// time).
	g, err := graphite.New("", graphite.Settings{
		Prefix:    "addsvc.",
		Quantiles: []float64{0.5, 0.99},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer g.Stop()
	requests, _ := g.NewCounter("requests")
	latency, _ := g.NewHistogram("latency_seconds")
	requests.With("method", "sum").Add(3)
	latency.Observe(0.2)

	var b strings.Builder
	_, _ = g.WriteToAt(&b, time.Unix(1700000000, 0))
	fmt.Print(b.String())
	// Output:
	// addsvc.requests.method.sum 3 1700000000
	// addsvc.latency_seconds.p50 0.2 1700000000
	// addsvc.latency_seconds.p99 0.2 1700000000
	// addsvc.latency_seconds.count 1 1700000000
}
