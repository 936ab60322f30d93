package loadbalancer_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/loadbalancer"
	"github.com/endpointkit/kit/log"
)

// picks returns the names of n endpoints picked by b.
func picks(t *testing.T, b loadbalancer.Balancer, n int) []string {
	t.Helper()
	out := make([]string, n)
	for i := range out {
		e, err := b.Endpoint()
		if err != nil {
			t.Fatal(err)
		}
		out[i] = call(t, e)
	}
	return out
}

// TestRandomSeed checks Go kit's NewRandom(s, seed): the same seed gives the
// same picks, so tests are reproducible, and another seed other picks.
func TestRandomSeed(t *testing.T) {
	s := fixed("a", "b", "c", "d", "e", "f", "g", "h")
	first := picks(t, loadbalancer.NewRandom(s, 7), 32)
	if again := picks(t, loadbalancer.NewRandom(s, 7), 32); !slices.Equal(first, again) {
		t.Errorf("seed 7 picked %v, then %v", first, again)
	}
	if other := picks(t, loadbalancer.NewRandom(s, 8), 32); slices.Equal(first, other) {
		t.Errorf("seeds 7 and 8 picked the same %v", first)
	}
	if unseeded := picks(t, loadbalancer.NewRandom(s), 32); len(unseeded) != 32 {
		t.Errorf("without a seed: %d picks", len(unseeded))
	}
}

// TestRandomConcurrent checks that one seeded Random used by many goroutines
// (run with -race) gives each call a valid endpoint and stays uniform.
func TestRandomConcurrent(t *testing.T) {
	b := loadbalancer.NewRandom(fixed("a", "b", "c", "d"), 1)
	const workers, each = 8, 5000
	counts := make([]map[string]int, workers)
	var wg sync.WaitGroup
	for w := range workers {
		counts[w] = map[string]int{}
		wg.Go(func() {
			for range each {
				e, err := b.Endpoint()
				if err != nil {
					t.Error(err)
					return
				}
				v, _ := e(context.Background(), nil)
				counts[w][v.(string)]++
			}
		})
	}
	wg.Wait()
	total := map[string]int{}
	for _, c := range counts {
		for k, v := range c {
			total[k] += v
		}
	}
	sum := 0
	for k, v := range total {
		sum += v
		if f := float64(v) / (workers * each); f < 0.22 || f > 0.28 {
			t.Errorf("%s picked %.3f of the time, want 0.25±0.03", k, f)
		}
	}
	if sum != workers*each || len(total) != 4 {
		t.Errorf("%d picks over %v, want %d over 4 endpoints", sum, total, workers*each)
	}
}

// TestFixedInstancer checks Go kit's sd.FixedInstancer: an Endpointer over
// it serves every instance, once.
func TestFixedInstancer(t *testing.T) {
	var _ loadbalancer.Instancer = loadbalancer.FixedInstancer(nil)
	factory := func(instance string) (endpoint.Endpoint, io.Closer, error) {
		return func(context.Context, any) (any, error) { return instance, nil }, nil, nil
	}
	e := loadbalancer.NewEndpointer(loadbalancer.FixedInstancer{"a:1", "b:2"}, factory, log.NewNopLogger())
	defer e.Close()
	eps, err := e.Endpoints()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ep := range eps {
		got = append(got, call(t, ep))
	}
	slices.Sort(got)
	if !slices.Equal(got, []string{"a:1", "b:2"}) {
		t.Errorf("endpoints call %v, want [a:1 b:2]", got)
	}
}

// TestRetryWithCallbackNil checks that a nil Callback means "always retry"
// until the timeout, as in Go kit (it used to panic).
func TestRetryWithCallbackNil(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, calls := counted(4)
		resp, err := loadbalancer.RetryWithCallback(time.Second, loadbalancer.NewRoundRobin(loadbalancer.FixedEndpointer{e}), nil)(context.Background(), nil)
		if resp != "ok" || err != nil || calls.Load() != 5 {
			t.Errorf("got %v, %v after %d calls; want ok after 5", resp, err, calls.Load())
		}

		// Failing for ever, it stops at the timeout.
		slow := func(ctx context.Context, _ any) (any, error) {
			select {
			case <-time.After(300 * time.Millisecond):
				return nil, errUnavailable
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		start := time.Now()
		_, err = loadbalancer.RetryWithCallback(time.Second, loadbalancer.NewRoundRobin(loadbalancer.FixedEndpointer{slow}), nil)(context.Background(), nil)
		var re *loadbalancer.RetryError
		if !errors.As(err, &re) || !errors.Is(re.Final, context.DeadlineExceeded) || time.Since(start) != time.Second || len(re.RawErrors) != 4 {
			t.Errorf("err = %v after %v; want a RetryError ending in DeadlineExceeded after 1s and 4 attempts", err, time.Since(start))
		}
	})
}

// A seeded Random balancer picks the same sequence every run, which makes
// tests over it reproducible.
func ExampleNewRandom() {
	eps := loadbalancer.FixedEndpointer{
		func(context.Context, any) (any, error) { return "a", nil },
		func(context.Context, any) (any, error) { return "b", nil },
		func(context.Context, any) (any, error) { return "c", nil },
	}
	for range 2 {
		b := loadbalancer.NewRandom(eps, 42)
		var picked []any
		for range 6 {
			e, _ := b.Endpoint()
			v, _ := e(context.Background(), nil)
			picked = append(picked, v)
		}
		fmt.Println(picked...)
	}
	// Output:
	// c a a b a c
	// c a a b a c
}

// BenchmarkRandom compares a seeded Random (its own SplitMix64 source, one
// atomic add a pick) with an unseeded one (the runtime's per-thread
// source), from one goroutine and from every core.
func BenchmarkRandom(b *testing.B) {
	names := make([]string, 100)
	for i := range names {
		names[i] = fmt.Sprint(i)
	}
	s := fixed(names...)
	for _, tc := range []struct {
		name string
		b    *loadbalancer.Random
	}{{"seeded", loadbalancer.NewRandom(s, 1)}, {"unseeded", loadbalancer.NewRandom(s)}} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := tc.b.Endpoint(); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(tc.name+"/parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := tc.b.Endpoint(); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// TestRandomSeedThroughRetries checks that a seeded Random stays
// reproducible when RetryWith asks it for instances not tried yet: the same
// seed visits the instances in the same order.
func TestRandomSeedThroughRetries(t *testing.T) {
	order := func(seed int64) []string {
		var visited []string
		var eps loadbalancer.FixedEndpointer
		for _, name := range []string{"a", "b", "c", "d", "e", "f"} {
			eps = append(eps, func(context.Context, any) (any, error) {
				visited = append(visited, name)
				return nil, errors.New("unavailable")
			})
		}
		call := loadbalancer.RetryWith(loadbalancer.NewRandom(eps, seed), loadbalancer.RetrySettings{MaxAttempts: 6, BackoffBase: -1})
		for range 4 {
			if _, err := call(context.Background(), nil); err == nil {
				t.Fatal("every instance fails, yet the call succeeded")
			}
		}
		return visited
	}
	first := order(7)
	if len(first) != 24 {
		t.Fatalf("%d attempts, want 24: %v", len(first), first)
	}
	for i := 0; i < len(first); i += 6 {
		seen := slices.Clone(first[i : i+6])
		slices.Sort(seen)
		if !slices.Equal(seen, []string{"a", "b", "c", "d", "e", "f"}) {
			t.Errorf("call %d visited %v, want each instance once", i/6, first[i:i+6])
		}
	}
	if again := order(7); !slices.Equal(first, again) {
		t.Errorf("seed 7 visited %v, then %v", first, again)
	}
}
