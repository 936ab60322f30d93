package graphite

import (
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	t0 := time.Unix(1000, 0)
	b := backoff{min: time.Second, max: 4 * time.Second}
	steps := []struct {
		at      time.Duration // since t0
		fail    bool
		ready   bool // ready before the step's failure or success
		waitFor time.Duration
	}{
		{0, true, true, time.Second},
		{500 * time.Millisecond, false, false, 0}, // still waiting
		{time.Second, true, true, 2 * time.Second},
		{3 * time.Second, true, true, 4 * time.Second},
		{7 * time.Second, true, true, 4 * time.Second}, // capped at max
	}
	for i, s := range steps {
		now := t0.Add(s.at)
		if got := b.ready(now); got != s.ready {
			t.Fatalf("step %d: ready(t0+%v) = %v, want %v", i, s.at, got, s.ready)
		}
		if !s.ready {
			continue
		}
		if s.fail {
			b.failure(now)
			if got := b.next.Sub(now); got != s.waitFor {
				t.Errorf("step %d: wait after failure = %v, want %v", i, got, s.waitFor)
			}
		}
	}
	b.success()
	if !b.ready(t0.Add(7 * time.Second)) {
		t.Errorf("not ready after success")
	}
	b.failure(t0)
	if got := b.next.Sub(t0); got != time.Second {
		t.Errorf("wait after success then failure = %v, want the minimum 1s", got)
	}
}
