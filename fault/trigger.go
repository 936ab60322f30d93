package fault

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sync/atomic"
	"time"
)

// Trigger decides which calls a fault hits. A call is hit when it falls in
// the Window's on phase (every call does when no Window is set) and then
// either is the Every-th such call or wins a draw of Probability. The zero
// Trigger hits no call.
type Trigger struct {
	// Probability is the chance in [0, 1] that a call is hit. Zero means
	// calls are not hit by chance. Set Probability or Every, not both.
	Probability float64
	// Every hits the n-th, 2n-th, 3n-th... call (counting only calls in
	// the Window's on phase), starting over when the Settings are replaced.
	// Zero means calls are not hit by count.
	Every uint64
	// Window, when set, limits the fault to a repeating on-off schedule.
	Window Window
}

// Window is a repeating schedule: On, then Off, then On again, measured
// from the moment the Settings were applied. The zero Window is always on.
type Window struct {
	// On is how long each on phase lasts. Set both On and Off, or neither.
	On time.Duration
	// Off is how long each off phase lasts.
	Off time.Duration
}

// active reports whether the Trigger can hit any call at all.
func (t Trigger) active() bool { return t.Probability > 0 || t.Every > 0 }

func (t Trigger) validate() error {
	switch {
	case math.IsNaN(t.Probability) || t.Probability < 0 || t.Probability > 1:
		return fmt.Errorf("probability %v is not in [0, 1]", t.Probability)
	case t.Probability > 0 && t.Every > 0:
		return errors.New("set Probability or Every, not both")
	case t.Window.On < 0 || t.Window.Off < 0:
		return fmt.Errorf("window %v on, %v off has a negative phase", t.Window.On, t.Window.Off)
	case t.Window.On > math.MaxInt64-t.Window.Off:
		return fmt.Errorf("window %v on, %v off is too long", t.Window.On, t.Window.Off)
	case (t.Window.On > 0) != (t.Window.Off > 0):
		return fmt.Errorf("window %v on, %v off: set both phases or neither", t.Window.On, t.Window.Off)
	}
	return nil
}

// trigger is a Trigger in force: its count of calls starts at zero with
// the Settings that hold it.
type trigger struct {
	Trigger
	calls atomic.Uint64
}

// hit reports whether the call being made is hit, drawing from src; start
// is when the Settings holding t were applied. It reads the clock only when
// a Window is set.
func (t *trigger) hit(src *source, start time.Time) bool {
	if !t.active() {
		return false
	}
	if w := t.Window; w.On > 0 {
		if time.Since(start)%(w.On+w.Off) >= w.On {
			return false
		}
	}
	if t.Every > 0 {
		return t.calls.Add(1)%t.Every == 0
	}
	return src.float64() < t.Probability
}

// source is where an Injector draws its randomness: a SplitMix64 sequence
// of its own when seeded, whose state advances with one atomic add, so that
// concurrent draws take distinct values without a lock; the runtime's
// per-thread source otherwise.
type source struct {
	seeded bool
	state  atomic.Uint64
}

// float64 returns a uniform draw from [0, 1).
func (s *source) float64() float64 {
	if !s.seeded {
		return rand.Float64()
	}
	z := s.state.Add(0x9e3779b97f4a7c15)
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	z ^= z >> 31
	return float64(z>>11) * 0x1p-53
}
