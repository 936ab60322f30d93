package circuitbreaker_test

import (
	"errors"
	"testing"
	"time"

	"github.com/endpointkit/kit/circuitbreaker"
)

// FuzzBreaker drives a Breaker with arbitrary sequences of calls, outcomes
// and clock steps, and checks its invariants: it never panics, an open
// breaker admits nothing before its open period ends, and a half-open one
// never has more probes out than Settings.Probes.
func FuzzBreaker(f *testing.F) {
	f.Add([]byte{0, 1, 1, 1, 1, 0xff, 0, 0, 0})
	f.Add([]byte{0x10, 0x21, 0x32, 0x43, 0x54, 0x65, 0x76, 0x87, 0x98})
	f.Fuzz(func(t *testing.T, ops []byte) {
		const probes = 3
		b := circuitbreaker.NewBreaker(circuitbreaker.Settings{
			Window: 4 * time.Second, Buckets: 4, MinRequests: 3, FailureRatio: 0.5,
			SlowCall: 500 * time.Millisecond, OpenFor: 2 * time.Second, Probes: probes,
		})
		now := t0
		var open []circuitbreaker.Ticket
		// Half-open admissions since the last DoneAt: no probe slot can
		// come back without one, so they never pass Probes.
		var halfOpenAdmits int
		for _, op := range ops {
			now = now.Add(time.Duration(op>>4) * 100 * time.Millisecond)
			switch op & 3 {
			case 0: // start a call
				state := b.State(now)
				tk, err := b.AllowAt(now)
				switch {
				case err == nil && state == circuitbreaker.Open:
					t.Fatalf("AllowAt admitted a call while State reported open")
				case err != nil && !errors.Is(err, circuitbreaker.ErrOpen):
					t.Fatalf("AllowAt: err = %v, want nil or ErrOpen", err)
				case err != nil && state == circuitbreaker.Closed:
					t.Fatalf("AllowAt refused a call while State reported closed")
				case err == nil:
					if state == circuitbreaker.HalfOpen {
						if halfOpenAdmits++; halfOpenAdmits > probes {
							t.Fatalf("half-open breaker admitted %d calls, want <= %d", halfOpenAdmits, probes)
						}
					}
					open = append(open, tk)
				}
			default: // end the oldest call with outcome op&3 - 1
				if len(open) == 0 {
					continue
				}
				b.DoneAt(open[0], now, outcomes[op&3-1])
				open = open[1:]
				halfOpenAdmits = 0
			}
		}
	})
}
