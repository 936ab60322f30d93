package ratelimit_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/endpointkit/kit/ratelimit"
)

func TestBulkhead(t *testing.T) {
	g := &recGauge{}
	b := ratelimit.NewBulkhead(2, ratelimit.BulkheadInFlight(g))
	release := make(chan struct{})
	entered := make(chan struct{}, 2)
	e := b.Middleware(func(context.Context, any) (any, error) {
		entered <- struct{}{}
		<-release
		return "ok", nil
	})
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			if _, err := e(context.Background(), nil); err != nil {
				t.Errorf("call within the limit: %v", err)
			}
		})
	}
	<-entered
	<-entered
	if got := g.value(); got != 2 {
		t.Errorf("in-flight gauge = %v, want 2", got)
	}
	_, err := e(context.Background(), nil)
	if !errors.Is(err, ratelimit.ErrInFlight) || !errors.Is(err, ratelimit.ErrLimited) {
		t.Errorf("3rd concurrent call: err = %v, want ErrInFlight wrapping ErrLimited", err)
	}
	close(release)
	wg.Wait()
	if got := b.InFlight(); got != 0 {
		t.Errorf("InFlight after all returned = %d, want 0", got)
	}
	if got := g.value(); got != 0 {
		t.Errorf("in-flight gauge after all returned = %v, want 0", got)
	}
}

// newBulkheadOn builds a Bulkhead as if the process had procs processors,
// which sets how many stripes it splits its limit into.
func newBulkheadOn(procs, limit int) *ratelimit.Bulkhead {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
	return ratelimit.NewBulkhead(limit)
}

var bulkheadShapes = []struct{ procs, limit int }{
	{1, 1}, {1, 3}, {2, 1}, {2, 3}, {2, 4}, {2, 5}, {8, 7}, {8, 16}, {8, 37}, {64, 100},
}

func TestBulkheadNeverExceedsLimit(t *testing.T) {
	for _, sh := range bulkheadShapes {
		t.Run(fmt.Sprintf("procs=%d/limit=%d", sh.procs, sh.limit), func(t *testing.T) {
			b := newBulkheadOn(sh.procs, sh.limit)
			var cur, peak, admitted atomic.Int64
			enter := func() {
				n := cur.Add(1)
				for {
					p := peak.Load()
					if n <= p || peak.CompareAndSwap(p, n) {
						break
					}
				}
				admitted.Add(1)
				runtime.Gosched()
				cur.Add(-1)
			}
			e := b.Middleware(func(context.Context, any) (any, error) {
				enter()
				return nil, nil
			})
			var wg sync.WaitGroup
			for g := range 24 {
				wg.Go(func() {
					for range 500 {
						// A third of the goroutines use Acquire and
						// Release, which free a slot on any stripe.
						if g%3 == 0 {
							if b.Acquire() {
								enter()
								b.Release()
							}
							continue
						}
						_, err := e(context.Background(), nil)
						if err != nil && !errors.Is(err, ratelimit.ErrInFlight) {
							t.Errorf("call: %v", err)
						}
					}
				})
			}
			wg.Wait()
			if p := peak.Load(); p > int64(sh.limit) {
				t.Errorf("peak in flight = %d, want <= %d", p, sh.limit)
			}
			if admitted.Load() == 0 {
				t.Error("no call admitted")
			}
			if got := b.InFlight(); got != 0 {
				t.Errorf("InFlight after all returned = %d, want 0", got)
			}
		})
	}
}

// TestBulkheadFull parks limit calls, each on a goroutine (and so a home
// stripe) of its own: the next call must be refused whichever stripe it
// starts from, and once any one call returns, a new one must be admitted,
// wherever the freed slot is.
func TestBulkheadFull(t *testing.T) {
	for _, sh := range bulkheadShapes {
		t.Run(fmt.Sprintf("procs=%d/limit=%d", sh.procs, sh.limit), func(t *testing.T) {
			b := newBulkheadOn(sh.procs, sh.limit)
			entered := make(chan struct{})
			release := make(chan struct{})
			e := b.Middleware(func(context.Context, any) (any, error) {
				entered <- struct{}{}
				<-release
				return nil, nil
			})
			var wg sync.WaitGroup
			returned := make(chan error, 2*sh.limit)
			call := func() {
				wg.Go(func() {
					_, err := e(context.Background(), nil)
					returned <- err
				})
			}
			for i := range sh.limit {
				call()
				select {
				case <-entered:
				case err := <-returned:
					t.Fatalf("call %d of %d: err = %v, want admitted", i+1, sh.limit, err)
				}
			}
			if got := b.InFlight(); got != sh.limit {
				t.Errorf("InFlight with the limit parked = %d, want %d", got, sh.limit)
			}
			for i := range 3 {
				// From this goroutine and from new ones.
				if _, err := e(context.Background(), nil); !errors.Is(err, ratelimit.ErrInFlight) {
					t.Fatalf("call %d beyond the limit: err = %v, want ErrInFlight", i, err)
				}
				var other sync.WaitGroup
				other.Go(func() {
					if b.Acquire() {
						t.Error("Acquire beyond the limit succeeded")
						b.Release()
					}
				})
				other.Wait()
			}
			for round := range min(sh.limit, 3) {
				release <- struct{}{}
				if err := <-returned; err != nil {
					t.Fatalf("round %d: parked call: %v", round, err)
				}
				call()
				select {
				case <-entered:
				case err := <-returned:
					t.Fatalf("round %d: call after a release: err = %v, want admitted", round, err)
				}
				if _, err := e(context.Background(), nil); !errors.Is(err, ratelimit.ErrInFlight) {
					t.Fatalf("round %d: call beyond the limit: err = %v, want ErrInFlight", round, err)
				}
			}
			close(release)
			wg.Wait()
			close(returned)
			for err := range returned {
				if err != nil {
					t.Errorf("parked call: %v", err)
				}
			}
			if got := b.InFlight(); got != 0 {
				t.Errorf("InFlight after all returned = %d, want 0", got)
			}
		})
	}
}

// TestBulkheadAcquireRelease takes every slot from one goroutine, whose
// home stripe fills first: Acquire must find the others, and Release,
// which does not know the stripe, must free slots wherever they are.
func TestBulkheadAcquireRelease(t *testing.T) {
	for _, sh := range bulkheadShapes {
		t.Run(fmt.Sprintf("procs=%d/limit=%d", sh.procs, sh.limit), func(t *testing.T) {
			g := &recGauge{}
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(sh.procs))
			b := ratelimit.NewBulkhead(sh.limit, ratelimit.BulkheadInFlight(g))
			for i := range sh.limit {
				if !b.Acquire() {
					t.Fatalf("Acquire %d of %d refused", i+1, sh.limit)
				}
			}
			if b.Acquire() {
				t.Fatal("Acquire beyond the limit succeeded")
			}
			b.Release()
			if !b.Acquire() {
				t.Fatal("Acquire after a Release refused")
			}
			if got := b.InFlight(); got != sh.limit {
				t.Errorf("InFlight = %d, want %d", got, sh.limit)
			}
			if got := g.value(); got != float64(sh.limit) {
				t.Errorf("gauge = %v, want %d", got, sh.limit)
			}
			for range sh.limit {
				b.Release()
			}
			if got := b.InFlight(); got != 0 {
				t.Errorf("InFlight after every Release = %d, want 0", got)
			}
			if got := g.value(); got != 0 {
				t.Errorf("gauge after every Release = %v, want 0", got)
			}
			// Every slot is free again, on every stripe.
			for i := range sh.limit {
				if !b.Acquire() {
					t.Fatalf("second pass: Acquire %d of %d refused", i+1, sh.limit)
				}
			}
			if b.Acquire() {
				t.Fatal("second pass: Acquire beyond the limit succeeded")
			}
		})
	}
}

func TestBulkheadReleasesOnPanic(t *testing.T) {
	b := ratelimit.NewBulkhead(1)
	e := b.Middleware(func(context.Context, any) (any, error) { panic("boom") })
	func() {
		defer func() { recover() }()
		e(context.Background(), nil)
	}()
	if got := b.InFlight(); got != 0 {
		t.Errorf("InFlight after a panic = %d, want 0", got)
	}
}
