package ratelimit_test

import (
	"context"
	"errors"
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

func TestBulkheadNeverExceedsLimit(t *testing.T) {
	const limit = 3
	b := ratelimit.NewBulkhead(limit)
	var cur, peak atomic.Int64
	e := b.Middleware(func(context.Context, any) (any, error) {
		n := cur.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		cur.Add(-1)
		return nil, nil
	})
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for range 2000 {
				e(context.Background(), nil)
			}
		})
	}
	wg.Wait()
	if p := peak.Load(); p > limit {
		t.Errorf("peak in flight = %d, want <= %d", p, limit)
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
