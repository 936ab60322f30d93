package metrics

import "time"

// Timer measures the time from its creation to a call of ObserveDuration and
// records it into a Histogram, in seconds by default.
//
// A Timer is meant for one measurement by one goroutine; it is not safe for
// concurrent use. Its zero value is not usable: build one with [NewTimer].
type Timer struct {
	h     Histogram
	start time.Time
	unit  time.Duration
}

// NewTimer returns a Timer that starts now and records into h.
func NewTimer(h Histogram) *Timer { return NewTimerAt(h, time.Now()) }

// NewTimerAt returns a Timer that started at start and records into h. It is
// the explicit form of [NewTimer], for tests and for callers that already
// read the clock.
func NewTimerAt(h Histogram, start time.Time) *Timer {
	return &Timer{h: h, start: start, unit: time.Second}
}

// Unit sets the unit observations are expressed in: time.Second (the
// default) records seconds, time.Millisecond records milliseconds (as StatsD
// timings expect). A unit that is not positive is ignored.
func (t *Timer) Unit(u time.Duration) {
	if u > 0 {
		t.unit = u
	}
}

// ObserveDuration records the time elapsed since the Timer started. It is
// shorthand for ObserveDurationAt(time.Now()).
func (t *Timer) ObserveDuration() { t.ObserveDurationAt(time.Now()) }

// ObserveDurationAt records now minus the Timer's start. A negative interval
// (now before start, as a wall clock stepping back could give) is recorded as
// zero.
func (t *Timer) ObserveDurationAt(now time.Time) {
	d := now.Sub(t.start)
	if d < 0 {
		d = 0
	}
	t.h.Observe(float64(d) / float64(t.unit))
}

// Time calls f and records how long it took into h, in seconds:
//
//	metrics.Time(latency.With("method", "sum"), func() { resp, err = svc.Sum(ctx, a, b) })
func Time(h Histogram, f func()) {
	start := time.Now()
	f()
	h.Observe(time.Since(start).Seconds())
}
