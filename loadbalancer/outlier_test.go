package loadbalancer_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/loadbalancer"
)

// switchable is an endpoint whose failure can be switched on and off.
type switchable struct {
	name string
	fail atomic.Bool
}

func (s *switchable) endpoint() endpoint.Endpoint {
	return func(context.Context, any) (any, error) {
		if s.fail.Load() {
			return nil, fmt.Errorf("%s: unavailable", s.name)
		}
		return s.name, nil
	}
}

func outlierSet(names ...string) ([]*switchable, loadbalancer.FixedEndpointer) {
	var sw []*switchable
	var eps loadbalancer.FixedEndpointer
	for _, n := range names {
		s := &switchable{name: n}
		sw = append(sw, s)
		eps = append(eps, s.endpoint())
	}
	return sw, eps
}

// callAll calls every endpoint the OutlierEndpointer offers, n times.
func callAll(t *testing.T, o *loadbalancer.OutlierEndpointer, n int) {
	t.Helper()
	for range n {
		eps, err := o.Endpoints()
		if err != nil {
			t.Fatalf("Endpoints(): %v", err)
		}
		for _, e := range eps {
			e(context.Background(), nil)
		}
	}
}

func offered(t *testing.T, o *loadbalancer.OutlierEndpointer) []string {
	t.Helper()
	ts, err := o.Targets()
	if err != nil {
		t.Fatalf("Targets(): %v", err)
	}
	var out []string
	for _, tg := range ts {
		out = append(out, tg.Instance)
	}
	return out
}

func TestOutlierConsecutiveFailuresAndProbation(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sw, eps := outlierSet("a", "b", "c")
		o := loadbalancer.NewOutlierEndpointer(eps, loadbalancer.OutlierSettings{
			ConsecutiveFailures: 3, FailureRate: -1, BaseEjection: 10 * time.Second,
		})
		sw[1].fail.Store(true)
		callAll(t, o, 2)
		if got := offered(t, o); len(got) != 3 {
			t.Fatalf("after 2 failures: offered %v, want all three", got)
		}
		callAll(t, o, 1)
		if got, want := offered(t, o), []string{"#0", "#2"}; !slices.Equal(got, want) {
			t.Fatalf("after 3 consecutive failures: offered %v, want %v", got, want)
		}
		if got := o.Ejected(); !slices.Equal(got, []string{"#1"}) {
			t.Errorf("Ejected() = %v, want [#1]", got)
		}

		// After the ejection it is back on probation; one failure ejects it again,
		// for twice as long.
		time.Sleep(10 * time.Second)
		if got := offered(t, o); len(got) != 3 {
			t.Fatalf("10s later: offered %v, want all three (probation)", got)
		}
		callAll(t, o, 1)
		if got := offered(t, o); len(got) != 2 {
			t.Fatalf("a failure on probation: offered %v, want b ejected again", got)
		}
		time.Sleep(10 * time.Second)
		if got := offered(t, o); len(got) != 2 {
			t.Fatalf("10s into the second ejection: offered %v, want b still out (20s)", got)
		}
		time.Sleep(10 * time.Second)
		sw[1].fail.Store(false)
		callAll(t, o, 1) // a success on probation readmits it for good
		callAll(t, o, 2)
		if got := offered(t, o); len(got) != 3 {
			t.Errorf("after recovery: offered %v, want all three", got)
		}
	})
}

func TestOutlierFailureRate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := 0
		flaky := func(context.Context, any) (any, error) {
			b++
			if b%2 == 0 { // every other call fails: never 5 in a row
				return nil, errors.New("flaky")
			}
			return "b", nil
		}
		o := loadbalancer.NewOutlierEndpointer(loadbalancer.FixedEndpointer{named("a"), flaky}, loadbalancer.OutlierSettings{
			FailureRate: 0.5, MinRequests: 10, Window: time.Minute,
		})
		callAll(t, o, 9)
		if got := offered(t, o); len(got) != 2 {
			t.Fatalf("below MinRequests: offered %v, want both", got)
		}
		callAll(t, o, 1)
		if got := offered(t, o); !slices.Equal(got, []string{"#0"}) {
			t.Errorf("at a 50%% failure rate over 10 calls: offered %v, want [#0]", got)
		}
	})
}

func TestOutlierBoundsEjectedFraction(t *testing.T) {
	tests := []struct {
		name      string
		instances int
		failing   int
		maxFrac   float64
		wantIn    int
	}{
		{"one_of_three", 3, 1, 0.5, 2},
		{"all_of_three_bounded", 3, 3, 0.5, 2},
		{"two_of_two_keeps_one", 2, 2, 0.5, 1},
		{"four_of_ten_at_30pct", 10, 4, 0.3, 7},
		{"default_two_of_five_ejects_one", 5, 2, 0, 4},
		{"default_four_of_twenty_ejects_two", 20, 4, 0, 18},
	}
	for _, tc := range tests {
		t.Run(tc.name, inBubble(func(t *testing.T) {
			var names []string
			for i := range tc.instances {
				names = append(names, fmt.Sprint(i))
			}
			sw, eps := outlierSet(names...)
			for i := range tc.failing {
				sw[i].fail.Store(true)
			}
			o := loadbalancer.NewOutlierEndpointer(eps, loadbalancer.OutlierSettings{
				ConsecutiveFailures: 1, MaxEjectedFraction: tc.maxFrac, PanicThreshold: -1,
			})
			callAll(t, o, 3)
			if got := len(offered(t, o)); got != tc.wantIn {
				t.Errorf("%d of %d failing, MaxEjectedFraction %v: %d offered, want %d", tc.failing, tc.instances, tc.maxFrac, got, tc.wantIn)
			}
		}))
	}
}

func TestOutlierPanicThreshold(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// Two of four are ejected (the bound allows it); then discovery drops a
		// healthy one: one of three left in is below the 50% panic threshold,
		// so all three are served.
		var set atomic.Pointer[[]loadbalancer.Target]
		sw, eps := outlierSet("a", "b", "c", "d")
		full := []loadbalancer.Target{{"a", eps[0]}, {"b", eps[1]}, {"c", eps[2]}, {"d", eps[3]}}
		set.Store(&full)
		src := targetsFunc(func() ([]loadbalancer.Target, error) { return *set.Load(), nil })
		o := loadbalancer.NewOutlierEndpointer(src, loadbalancer.OutlierSettings{ConsecutiveFailures: 1, MaxEjectedFraction: 0.5})
		sw[0].fail.Store(true)
		sw[1].fail.Store(true)
		callAll(t, o, 1)
		if got := offered(t, o); !slices.Equal(got, []string{"c", "d"}) {
			t.Fatalf("a and b failing: offered %v, want [c d]", got)
		}
		shrunk := full[:3]
		set.Store(&shrunk)
		if got := offered(t, o); !slices.Equal(got, []string{"a", "b", "c"}) {
			t.Errorf("after d leaves, one of three in: offered %v, want all (panic)", got)
		}
	})
}

// targetsFunc is a TargetEndpointer made of a function.
type targetsFunc func() ([]loadbalancer.Target, error)

func (f targetsFunc) Targets() ([]loadbalancer.Target, error) { return f() }

func (f targetsFunc) Endpoints() ([]endpoint.Endpoint, error) {
	ts, err := f()
	var eps []endpoint.Endpoint
	for _, t := range ts {
		eps = append(eps, t.Endpoint)
	}
	return eps, err
}
