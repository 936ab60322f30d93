package loadbalancer_test

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/loadbalancer"
)

// Tests of how RetryWith tells instances apart: by name, or by position
// over an Endpointer that does not name them.

// TestRetryWithGoesToAnotherInstance: with three instances failing and
// three attempts, every balancer sends each attempt to an instance not
// tried yet, over a plain Endpointer (instances named by position) and over
// a TargetEndpointer.
func TestRetryWithGoesToAnotherInstance(t *testing.T) {
	for _, bc := range balancers {
		for _, named := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/named=%v", bc.name, named), func(t *testing.T) {
				var seen []string
				mk := func(name string) endpoint.Endpoint {
					return func(context.Context, any) (any, error) {
						seen = append(seen, name)
						return nil, errUnavailable
					}
				}
				eps := loadbalancer.FixedEndpointer{mk("a"), mk("b"), mk("c")}
				var src loadbalancer.Endpointer = eps
				if named {
					ts := []loadbalancer.Target{{"a", eps[0]}, {"b", eps[1]}, {"c", eps[2]}}
					src = targetsFunc(func() ([]loadbalancer.Target, error) { return ts, nil })
				}
				for range 20 {
					// A fresh balancer each time: outlier ejection would
					// otherwise (rightly) take a failing instance out.
					b := bc.new(src)
					seen = seen[:0]
					loadbalancer.RetryWith(b, loadbalancer.RetrySettings{MaxAttempts: 3, BackoffBase: -1})(context.Background(), nil)
					if got := slices.Sorted(slices.Values(seen)); fmt.Sprint(got) != "[a b c]" {
						t.Fatalf("three attempts went to %v, want a, b and c once each", seen)
					}
				}
			})
		}
	}
}

// TestRetryWithAvoidsByName: instances are told apart by name, not by the
// identity of their endpoints. This Endpointer builds new endpoints (and a
// new slice) on every call, as a careless one may: a retry must still
// avoid the instance that failed. (It failed up to 1 time in 2 when retries
// compared function pointers.)
func TestRetryWithAvoidsByName(t *testing.T) {
	for _, bc := range balancers {
		t.Run(bc.name, func(t *testing.T) {
			src := targetsFunc(func() ([]loadbalancer.Target, error) {
				return []loadbalancer.Target{
					{"bad", func(context.Context, any) (any, error) { return nil, errUnavailable }},
					{"good", named("good")},
				}, nil
			})
			b := bc.new(src)
			call := loadbalancer.RetryWith(b, loadbalancer.RetrySettings{MaxAttempts: 2, BackoffBase: -1})
			for i := range 50 {
				if resp, err := call(context.Background(), nil); err != nil || resp != "good" {
					t.Fatalf("call %d = %v, %v; want good after at most one failed attempt on bad", i, resp, err)
				}
			}
		})
	}
}

// TestRetryWithPositionalNamesAcrossASetChange: over a plain Endpointer,
// positions name instances only within one set. When the set changes
// between attempts, the retry still picks from the current set (never an
// endpoint that left) and finishes.
func TestRetryWithPositionalNamesAcrossASetChange(t *testing.T) {
	for _, bc := range balancers {
		t.Run(bc.name, func(t *testing.T) {
			var set atomic.Pointer[loadbalancer.FixedEndpointer]
			var calls []string
			fail := func(name string, next *loadbalancer.FixedEndpointer) endpoint.Endpoint {
				return func(context.Context, any) (any, error) {
					calls = append(calls, name)
					set.Store(next) // discovery moves on while the attempt fails
					return nil, errUnavailable
				}
			}
			after := loadbalancer.FixedEndpointer{named("c"), named("d")}
			before := loadbalancer.FixedEndpointer{fail("a", &after), fail("b", &after)}
			set.Store(&before)
			src := loadbalancer.EndpointerFunc(func() ([]endpoint.Endpoint, error) { return *set.Load(), nil })
			resp, err := loadbalancer.RetryWith(bc.new(src), loadbalancer.RetrySettings{MaxAttempts: 2, BackoffBase: -1})(context.Background(), nil)
			if err != nil || (resp != "c" && resp != "d") {
				t.Errorf("retry after the set changed = %v, %v (attempts %v); want c or d from the new set", resp, err, calls)
			}
		})
	}
}

// TestRetryWithUnnamedBalancer: a Balancer of the caller's own cannot name
// its picks; each retry takes a fresh pick from it.
func TestRetryWithUnnamedBalancer(t *testing.T) {
	var picks int
	e, n := counted(2)
	b := loadbalancer.BalancerFunc(func() (endpoint.Endpoint, error) { picks++; return e, nil })
	resp, err := loadbalancer.RetryWith(b, loadbalancer.RetrySettings{MaxAttempts: 3, BackoffBase: -1})(context.Background(), nil)
	if err != nil || resp != "ok" || n.Load() != 3 || picks != 3 {
		t.Errorf("RetryWith over a BalancerFunc = %v, %v after %d calls and %d picks; want ok after 3 of each", resp, err, n.Load(), picks)
	}
}
