package main

import (
	"context"
	"errors"
	"sync"
	"time"
)

var (
	errNotFound  = errors.New("no such item")
	errStoreDown = errors.New("store unavailable")
)

// store stands for the database behind the service: an in-memory map of
// stock counts that can be made slow or unavailable at run time (PUT
// /debug/store), so that a demo or a test can watch the service cope.
// It is safe for concurrent use.
type store struct {
	mu      sync.Mutex // guards items, down, latency
	items   map[string]int64
	down    bool
	latency time.Duration
}

func newStore(items map[string]int64) *store {
	return &store{items: items}
}

// get returns the stock of sku, after the configured latency.
func (s *store) get(ctx context.Context, sku string) (int64, error) {
	s.mu.Lock()
	n, ok := s.items[sku]
	down, latency := s.down, s.latency
	s.mu.Unlock()
	if err := s.wait(ctx, latency); err != nil {
		return 0, err
	}
	switch {
	case down:
		return 0, errStoreDown
	case !ok:
		return 0, errNotFound
	}
	return n, nil
}

// set records the stock of sku, after the configured latency.
func (s *store) set(ctx context.Context, sku string, n int64) error {
	s.mu.Lock()
	down, latency := s.down, s.latency
	s.mu.Unlock()
	if err := s.wait(ctx, latency); err != nil {
		return err
	}
	if down {
		return errStoreDown
	}
	s.mu.Lock()
	s.items[sku] = n
	s.mu.Unlock()
	return nil
}

func (s *store) wait(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// configure makes the store unavailable (down) and slow (latency).
func (s *store) configure(down bool, latency time.Duration) {
	s.mu.Lock()
	s.down, s.latency = down, latency
	s.mu.Unlock()
}
