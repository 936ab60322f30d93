package graphite

import "time"

// backoff spaces out reconnection attempts: after each failure the wait
// doubles, from min up to max; a success resets it. It is not safe for
// concurrent use; the flushing goroutine owns it.
type backoff struct {
	min, max time.Duration
	wait     time.Duration // the wait after the next failure
	next     time.Time     // no attempt before this
}

// ready reports whether an attempt may be made at now.
func (b *backoff) ready(now time.Time) bool { return !now.Before(b.next) }

// failure records a failed attempt at now.
func (b *backoff) failure(now time.Time) {
	if b.wait < b.min {
		b.wait = b.min
	}
	b.next = now.Add(b.wait)
	b.wait = min(2*b.wait, b.max)
}

// success records a successful attempt.
func (b *backoff) success() { b.wait, b.next = 0, time.Time{} }
