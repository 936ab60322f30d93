package loadbalancer_test

import (
	"context"
	"errors"
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
	// One of two instances refuses connections. P2C times the calls made
	// through the endpoints it hands out (with the monotonic clock; see
	// TestP2CPrefersFastInstances for what it does with latencies), and
	// RetryWith sends the retry of a failed attempt to the other instance,
	// which it tells apart by name: the addresses discovery gave.
	factory := func(instance string) (endpoint.Endpoint, io.Closer, error) {
		return func(context.Context, any) (any, error) {
			if instance == "10.0.0.2:80" {
				return nil, errors.New("connection refused")
			}
			return "hello from " + instance, nil
		}, nil, nil
	}
	var instancer loadbalancer.Broadcaster
	instancer.Update(loadbalancer.Event{Instances: []string{"10.0.0.1:80", "10.0.0.2:80"}})
	endpointer := loadbalancer.NewEndpointer(&instancer, factory, log.NewNopLogger())
	defer endpointer.Close()
	call := loadbalancer.RetryWith(loadbalancer.NewP2C(endpointer, loadbalancer.P2CSettings{}),
		loadbalancer.RetrySettings{MaxAttempts: 2, BackoffBase: -1})
	for range 3 {
		fmt.Println(call(context.Background(), nil))
	}
	// Output:
	// hello from 10.0.0.1:80 <nil>
	// hello from 10.0.0.1:80 <nil>
	// hello from 10.0.0.1:80 <nil>
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
	// The balancer times the calls made through the endpoints it hands out
	// (with the monotonic clock) and weights each instance by the inverse of
	// its latency; TestLatencyWeightedFollowsLatency shows the weights it
	// reaches. Until it has measured anything, every instance weighs the
	// same.
	b := loadbalancer.NewLatencyWeighted(loadbalancer.FixedEndpointer{
		func(context.Context, any) (any, error) { return "a", nil },
		func(context.Context, any) (any, error) { return "b", nil },
	}, loadbalancer.LatencyWeightedSettings{Decay: 30 * time.Second})
	e, err := b.Endpoint()
	if err != nil {
		fmt.Println(err)
		return
	}
	resp, _ := e(context.Background(), nil)
	fmt.Println(resp == "a" || resp == "b")
	// Output: true
}
