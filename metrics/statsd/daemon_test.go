package statsd_test

import (
	"runtime"
	"testing"
	"time"

	"github.com/endpointkit/kit/metrics/internal/statsdtest"
	"github.com/endpointkit/kit/metrics/statsd"
)

// TestDaemonAggregates sends through a real UDP socket to the reference
// StatsD daemon and reads back what it aggregated.
func TestDaemonAggregates(t *testing.T) {
	d := statsdtest.Start(t)
	s, err := statsd.New(d.Addr, statsd.Settings{Prefix: "kit.", FlushInterval: 20 * time.Millisecond, MaxPacketSize: 512})
	if err != nil {
		t.Fatal(err)
	}
	requests, _ := s.NewCounter("requests", 1)
	depth, _ := s.NewGauge("depth")
	latency, _ := s.NewTiming("latency_ms", 0.5)

	for range 40 {
		requests.With("method", "sum").Add(1)
		requests.With("method", "concat", "code", "500").Add(0.5)
	}
	depth.With("queue", "a").Set(4)
	depth.With("queue", "b").Set(-3) // negative: sent as 0, then the value
	for i := range 400 {
		latency.Observe(float64(i % 10))
	}
	s.Stop()
	if s.Dropped() != 0 {
		t.Errorf("Dropped() = %d with the daemon up", s.Dropped())
	}

	tot := d.WaitFor(t, 10*time.Second, "kit.requests.method.sum = 40", func(tot statsdtest.Totals) bool {
		return tot.Counters["kit.requests.method.sum"] == 40 && tot.Gauges["kit.depth.queue.b"] == -3
	})
	if _, ok := tot.Counters["statsd.bad_lines_seen"]; !ok {
		t.Fatalf("daemon reported no statsd.bad_lines_seen counter; counters: %v", tot.Counters)
	}
	tests := []struct {
		name      string
		got, want float64
	}{
		{"counter with labels", tot.Counters["kit.requests.method.concat.code.500"], 20},
		{"gauge", tot.Gauges["kit.depth.queue.a"], 4},
		{"negative gauge", tot.Gauges["kit.depth.queue.b"], -3},
		{"bad lines", tot.Counters["statsd.bad_lines_seen"], 0},
		// Each kept observation counts 1/0.5 = 2 at the daemon.
		{"sampled timing count", tot.TimerCounters["kit.latency_ms"], 2 * float64(len(tot.Timers["kit.latency_ms"]))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %v, want %v", tt.got, tt.want)
			}
		})
	}
	if n := len(tot.Timers["kit.latency_ms"]); n < 140 || n > 260 {
		t.Errorf("daemon got %d of 400 timings sampled at 0.5, want about 200", n)
	}
}

// TestDaemonEarlyFlush sends a hot timing with a small bound and an
// hour-long interval: every burst past half the bound is carried to the
// real daemon by an early flush, and each observation is either aggregated
// there or counted as dropped.
func TestDaemonEarlyFlush(t *testing.T) {
	d := statsdtest.Start(t)
	s, err := statsd.New(d.Addr, statsd.Settings{FlushInterval: time.Hour, MaxBufferedObservations: 256})
	if err != nil {
		t.Fatal(err)
	}
	h, _ := s.NewTiming("flood_ms", 1)
	const rounds, burst = 20, 200 // a burst always takes the held count past 128
	deadline := time.Now().Add(10 * time.Second)
	for r := range rounds {
		sent := s.Sent()
		for i := range burst {
			h.Observe(float64(i % 7))
		}
		for s.Sent() == sent { // only an early flush can send before Stop
			if time.Now().After(deadline) {
				s.Stop()
				t.Fatalf("round %d: no early flush", r)
			}
			runtime.Gosched()
		}
	}
	s.Stop()
	if s.Dropped() != 0 {
		t.Fatalf("Dropped() = %d packets with the daemon up", s.Dropped())
	}
	const observed = rounds * burst
	dropped := s.DroppedObservations()
	if dropped > observed/2 {
		t.Errorf("DroppedObservations() = %d of %d with early flushes working", dropped, observed)
	}
	d.WaitFor(t, 10*time.Second, "received + dropped = observed", func(tot statsdtest.Totals) bool {
		return uint64(len(tot.Timers["flood_ms"]))+dropped == observed
	})
}
