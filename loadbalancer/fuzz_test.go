package loadbalancer_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/endpointkit/kit/loadbalancer"
)

// FuzzEndpointerFollowsUpdates drives an Endpointer through a sequence of
// discovery updates read from the input, each byte a set of up to eight
// instances (its bits) or, when its value is 0xFF, a discovery error, and
// checks after each that the Endpointer serves exactly the last good set and
// has closed every endpoint of an instance that left.
func FuzzEndpointerFollowsUpdates(f *testing.F) {
	f.Add([]byte{0x01, 0x03, 0xFF, 0x02, 0x00, 0x81})
	f.Add([]byte{0xFF, 0xFF, 0x10})
	f.Add([]byte{0x7F, 0x7F, 0x01})
	f.Fuzz(func(t *testing.T, ops []byte) {
		if len(ops) > 64 {
			ops = ops[:64]
		}
		var b loadbalancer.Broadcaster
		var c closers
		e := loadbalancer.NewEndpointer(&b, c.factory, nil)
		defer e.Close()
		var want []string
		for _, op := range ops {
			if op == 0xFF {
				b.Update(loadbalancer.Event{Err: errors.New("registry down")})
				continue
			}
			want = want[:0]
			for bit := range 8 {
				if op&(1<<bit) != 0 {
					want = append(want, fmt.Sprintf("i%d", bit))
				}
			}
			b.Update(loadbalancer.Event{Instances: slices.Clone(want)})
			deadline := time.Now().Add(2 * time.Second)
			for !slices.Equal(instancesOf(t, e), want) {
				if time.Now().After(deadline) {
					t.Fatalf("after update %v: instances = %v", want, instancesOf(t, e))
				}
				time.Sleep(100 * time.Microsecond)
			}
			// Every endpoint built is either live (in want) or closed.
			c.mu.Lock()
			open := len(c.built) - len(c.closed)
			c.mu.Unlock()
			if open != len(want) {
				t.Fatalf("after update %v: %d endpoints open, want %d", want, open, len(want))
			}
		}
	})
}
