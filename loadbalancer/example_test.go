package loadbalancer_test

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/loadbalancer"
	"github.com/endpointkit/kit/log"
)

func Example() {
	// Discovery: here a Broadcaster updated by hand; in a program, an
	// Instancer from static, dnssrv or etcd.
	var instancer loadbalancer.Broadcaster
	instancer.Update(loadbalancer.Event{Instances: []string{"10.0.0.1:80", "10.0.0.2:80"}})

	// The Factory builds a client endpoint per instance (a transport client
	// in a program).
	factory := func(instance string) (endpoint.Endpoint, io.Closer, error) {
		return func(context.Context, any) (any, error) { return "hello from " + instance, nil }, nil, nil
	}
	endpointer := loadbalancer.NewEndpointer(&instancer, factory, log.NewNopLogger())
	defer endpointer.Close()

	balancer := loadbalancer.NewRoundRobin(endpointer)
	call := loadbalancer.RetryWith(balancer, loadbalancer.RetrySettings{Timeout: time.Second})
	for range 3 {
		resp, err := call(context.Background(), nil)
		fmt.Println(resp, err)
	}
	// Output:
	// hello from 10.0.0.1:80 <nil>
	// hello from 10.0.0.2:80 <nil>
	// hello from 10.0.0.1:80 <nil>
}

func ExampleNewP2C() {
	// A manual clock makes the latencies exact here; in a program, leave
	// Now nil and P2C times the calls itself.
	var now time.Time
	fast := func(context.Context, any) (any, error) { now = now.Add(10 * time.Millisecond); return "fast", nil }
	slow := func(context.Context, any) (any, error) { now = now.Add(time.Second); return "slow", nil }
	b := loadbalancer.NewP2C(loadbalancer.FixedEndpointer{fast, slow}, loadbalancer.P2CSettings{
		Now: func() time.Time { return now },
	})
	counts := map[any]int{}
	for range 100 {
		e, _ := b.Endpoint()
		resp, _ := e(context.Background(), nil)
		counts[resp]++
	}
	// Each instance is probed once; then the slow one is avoided.
	fmt.Println(counts["fast"], counts["slow"])
	// Output: 99 1
}

func ExampleRetryWith() {
	attempts := 0
	flaky := func(context.Context, any) (any, error) {
		attempts++
		if attempts < 3 {
			return nil, fmt.Errorf("attempt %d: connection refused", attempts)
		}
		return "ok", nil
	}
	budget := loadbalancer.NewBudget(loadbalancer.BudgetSettings{}) // share one per client
	call := loadbalancer.RetryWith(loadbalancer.NewRoundRobin(loadbalancer.FixedEndpointer{flaky}), loadbalancer.RetrySettings{
		MaxAttempts:    3,
		Timeout:        time.Second,
		AttemptTimeout: 200 * time.Millisecond,
		BackoffBase:    time.Millisecond,
		Budget:         budget,
	})
	resp, err := call(context.Background(), nil)
	fmt.Println(resp, err, attempts)
	// Output: ok <nil> 3
}

func ExampleNewLatencyWeighted() {
	// A manual clock makes the latencies exact here; in a program, leave
	// Now nil and the balancer times the calls itself.
	var now time.Time
	fast := func(context.Context, any) (any, error) { now = now.Add(10 * time.Millisecond); return "fast", nil }
	slow := func(context.Context, any) (any, error) { now = now.Add(30 * time.Millisecond); return "slow", nil }
	b := loadbalancer.NewLatencyWeighted(loadbalancer.FixedEndpointer{fast, slow}, loadbalancer.LatencyWeightedSettings{
		Now: func() time.Time { return now },
	})
	counts := map[any]int{}
	for range 4000 {
		e, _ := b.Endpoint()
		resp, _ := e(context.Background(), nil)
		counts[resp]++
	}
	// Weights 1/10ms and 1/30ms: about three calls to fast for one to slow.
	ratio := float64(counts["fast"]) / float64(counts["slow"])
	fmt.Println(ratio > 2.5 && ratio < 3.5)
	// Output: true
}
