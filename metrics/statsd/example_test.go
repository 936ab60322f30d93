package statsd_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/endpointkit/kit/metrics"
	"github.com/endpointkit/kit/metrics/statsd"
)

func Example() {
	// In main: statsd.New("127.0.0.1:8125", ...) flushes every second and
	// on Stop. Here, with no address, the example flushes by hand.
	s, err := statsd.New("", statsd.Settings{Prefix: "addsvc."})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Stop()
	requests, _ := s.NewCounter("requests", 1)
	latency, _ := s.NewTiming("latency_ms", 1)

	requests.With("method", "sum").Add(1)
	t := metrics.NewTimerAt(latency.With("method", "sum"), time.Unix(0, 0))
	t.Unit(time.Millisecond)
	t.ObserveDurationAt(time.Unix(0, 0).Add(12 * time.Millisecond))

	var b strings.Builder
	_, _ = s.WriteTo(&b)
	fmt.Print(b.String())
	// Output:
	// addsvc.requests.method.sum:1|c
	// addsvc.latency_ms.method.sum:12|ms
}
