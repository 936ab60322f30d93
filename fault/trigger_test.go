package fault_test

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/fault"
)

// hits makes n calls through in one after another and returns the indices
// (from 0) of those that failed.
func hits(in *fault.Injector, n int) []int {
	e := in.Middleware()(endpoint.Nop)
	var idx []int
	for i := range n {
		if _, err := e(context.Background(), nil); err != nil {
			idx = append(idx, i)
		}
	}
	return idx
}

func TestProbabilityWithinBoundsAndReproducible(t *testing.T) {
	const n, p = 10000, 0.3
	s := fault.Settings{Error: fault.Failure{Trigger: fault.Trigger{Probability: p}}}
	a := hits(mustInjector(t, s, 42), n)
	// The count is binomial: mean 3000, standard deviation about 46; the
	// bounds are over 4 deviations wide on each side.
	if mean, sd := n*p, math.Sqrt(n*p*(1-p)); math.Abs(float64(len(a))-mean) > 4*sd {
		t.Errorf("%d of %d calls failed, want about %v", len(a), n, mean)
	}
	if b := hits(mustInjector(t, s, 42), n); !slices.Equal(a, b) {
		t.Errorf("same seed, different calls hit: %d then %d, first difference among %v / %v", len(a), len(b), a[:10], b[:10])
	}
	if c := hits(mustInjector(t, s, 43), n); slices.Equal(a, c) {
		t.Error("different seeds hit the same calls")
	}
	// Unseeded, the runtime's source is still within bounds.
	if u := hits(mustInjector(t, s), n); math.Abs(float64(len(u))-n*p) > 4*math.Sqrt(n*p*(1-p)) {
		t.Errorf("unseeded: %d of %d calls failed, want about %v", len(u), n, n*p)
	}
}

func TestEvery(t *testing.T) {
	in := mustInjector(t, fault.Settings{Drop: fault.Drop{Trigger: fault.Trigger{Every: 3}}})
	if got, want := hits(in, 10), []int{2, 5, 8}; !slices.Equal(got, want) {
		t.Errorf("calls hit %v, want %v", got, want)
	}
	// New Settings count from the start again.
	if err := in.Set(fault.Settings{Drop: fault.Drop{Trigger: fault.Trigger{Every: 2}}}); err != nil {
		t.Fatal(err)
	}
	if got, want := hits(in, 6), []int{1, 3, 5}; !slices.Equal(got, want) {
		t.Errorf("after Set: calls hit %v, want %v", got, want)
	}
}

func TestWindow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		in := mustInjector(t, fault.Settings{Error: fault.Failure{Trigger: fault.Trigger{
			Probability: 1, Window: fault.Window{On: time.Second, Off: 2 * time.Second},
		}}})
		e := in.Middleware()(endpoint.Nop)
		var got []bool
		for range 13 { // every 250ms over 3s, into the second on phase
			_, err := e(context.Background(), nil)
			got = append(got, err != nil)
			time.Sleep(250 * time.Millisecond)
		}
		on, off := true, false
		want := []bool{on, on, on, on, off, off, off, off, off, off, off, off, on}
		if !slices.Equal(got, want) {
			t.Errorf("failed calls %v, want %v", got, want)
		}
	})
}

// TestWindowWithEvery checks that Every counts only calls in the on phase.
func TestWindowWithEvery(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		in := mustInjector(t, fault.Settings{Error: fault.Failure{Trigger: fault.Trigger{
			Every: 2, Window: fault.Window{On: time.Second, Off: time.Second},
		}}})
		e := in.Middleware()(endpoint.Nop)
		var got []bool
		for range 8 { // every 500ms: on, on, off, off, on, on, off, off
			_, err := e(context.Background(), nil)
			got = append(got, err != nil)
			time.Sleep(500 * time.Millisecond)
		}
		want := []bool{false, true, false, false, false, true, false, false}
		if !slices.Equal(got, want) {
			t.Errorf("failed calls %v, want %v", got, want)
		}
	})
}

func TestSetRefusesBadSettings(t *testing.T) {
	good := fault.Settings{Error: fault.Failure{Trigger: always}}
	in := mustInjector(t, good)
	for _, tc := range []struct {
		s    fault.Settings
		want string
	}{
		{fault.Settings{Hang: fault.Trigger{Probability: -0.1}}, "hang: probability -0.1 is not in [0, 1]"},
		{fault.Settings{Hang: fault.Trigger{Probability: 1.5}}, "not in [0, 1]"},
		{fault.Settings{Hang: fault.Trigger{Probability: math.NaN()}}, "not in [0, 1]"},
		{fault.Settings{Drop: fault.Drop{Trigger: fault.Trigger{Probability: 0.5, Every: 2}}}, "drop: set Probability or Every, not both"},
		{fault.Settings{Hang: fault.Trigger{Every: 1, Window: fault.Window{On: time.Second}}}, "set both phases or neither"},
		{fault.Settings{Hang: fault.Trigger{Every: 1, Window: fault.Window{On: -time.Second, Off: time.Second}}}, "negative phase"},
		{fault.Settings{Hang: fault.Trigger{Every: 1, Window: fault.Window{On: math.MaxInt64 / 2, Off: math.MaxInt64/2 + 2}}}, "too long"},
		{fault.Settings{Latency: fault.Latency{Trigger: always, Fixed: -time.Second}}, "must not be negative"},
		{fault.Settings{Latency: fault.Latency{Trigger: always, TailProbability: 2}}, "tail probability 2"},
		{fault.Settings{Latency: fault.Latency{Trigger: always, TailProbability: 0.1, TailFactor: 0.5}}, "tail factor 0.5"},
		{fault.Settings{Latency: fault.Latency{Trigger: always, TailProbability: 0.1, TailFactor: math.Inf(1)}}, "must be finite"},
		{fault.Settings{Latency: fault.Latency{Fixed: time.Second}}, "no call is hit"},
		{fault.Settings{Error: fault.Failure{Outcome: endpoint.Outcome{Kind: endpoint.Overloaded}}}, "no call is hit"},
		{fault.Settings{Drop: fault.Drop{AfterCall: true}}, "no call is hit"},
		{fault.Settings{Error: fault.Failure{Trigger: always, Outcome: endpoint.Outcome{Kind: endpoint.BusinessError}}}, "kind business_error cannot be injected"},
		{fault.Settings{Error: fault.Failure{Trigger: always, Outcome: endpoint.Outcome{Kind: 99}}}, "cannot be injected"},
		{fault.Settings{Error: fault.Failure{Trigger: always, Outcome: endpoint.Outcome{Retryable: true}}}, "needs a kind"},
	} {
		err := in.Set(tc.s)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "fault: ") {
			t.Errorf("Set(%+v) = %v, want an error containing %q", tc.s, err, tc.want)
		}
		if _, err := fault.NewInjector(tc.s); err == nil {
			t.Errorf("NewInjector(%+v) accepted it", tc.s)
		}
	}
	if in.Settings() != good {
		t.Errorf("refused Settings replaced the good ones: %+v", in.Settings())
	}
}

// TestSwitchingUnderConcurrency replaces the Settings while calls flow
// (run with -race): each call sees one whole set of Settings, never a mix,
// and once disabled, every call passes through.
func TestSwitchingUnderConcurrency(t *testing.T) {
	settings := []fault.Settings{
		{Error: fault.Failure{Trigger: always, Outcome: endpoint.Outcome{Kind: endpoint.Overloaded, Retryable: true}}},
		{Drop: fault.Drop{Trigger: always}},
		{Error: fault.Failure{Trigger: fault.Trigger{Every: 2}}},
		{},
	}
	in := mustInjector(t, settings[0], 1)
	e := in.Middleware()(endpoint.Nop)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				_, err := e(context.Background(), nil)
				var ie *fault.InjectedError
				switch {
				case err == nil, errors.Is(err, fault.ErrDropped):
				case errors.As(err, &ie) && (ie.Outcome() == endpoint.Outcome{Kind: endpoint.Overloaded, Retryable: true} ||
					ie.Outcome() == endpoint.Outcome{Kind: endpoint.DependencyFailure, Retryable: true}):
				default:
					errs <- err
					return
				}
			}
		})
	}
	for i := range 2000 {
		s := settings[i%len(settings)]
		if err := in.Set(s); err != nil {
			t.Fatal(err)
		}
		if got := in.Settings(); got != s {
			t.Fatalf("Settings() = %+v just after Set(%+v)", got, s)
		}
	}
	in.Disable()
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("unexpected error %v", err)
	}
	if got := hits(in, 100); len(got) != 0 {
		t.Errorf("disabled: calls %v failed", got)
	}
}

func TestNoAllocs(t *testing.T) {
	for name, s := range map[string]fault.Settings{
		"disabled":      {},
		"error":         {Error: fault.Failure{Trigger: always}},
		"drop":          {Drop: fault.Drop{Trigger: fault.Trigger{Every: 2}}},
		"window off":    {Error: fault.Failure{Trigger: fault.Trigger{Probability: 1, Window: fault.Window{On: time.Nanosecond, Off: time.Hour}}}},
		"latency, miss": {Latency: fault.Latency{Trigger: fault.Trigger{Every: math.MaxUint64}, Fixed: time.Second}},
	} {
		in := mustInjector(t, s, 1)
		e := in.Middleware()(endpoint.Nop)
		ctx := context.Background()
		if a := testing.AllocsPerRun(1000, func() { _, _ = e(ctx, nil) }); a != 0 {
			t.Errorf("%s: %v allocs per call, want 0", name, a)
		}
	}
}
