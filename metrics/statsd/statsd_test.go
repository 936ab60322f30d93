package statsd_test

import (
	"errors"
	"fmt"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/endpointkit/kit/internal/testenv"
	"github.com/endpointkit/kit/metrics/internal/statsdtest"
	"github.com/endpointkit/kit/metrics/metricstest"
	"github.com/endpointkit/kit/metrics/statsd"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func key(name string, lvs []string) string {
	return strings.Join(append([]string{name}, lvs...), ".")
}

// reader flushes s into rec and returns what rec has aggregated so far.
func reader(t *testing.T, s *statsd.Statsd, rec *statsdtest.Recorder) func() statsdtest.Totals {
	return func() statsdtest.Totals {
		if _, err := s.WriteTo(rec); err != nil {
			t.Fatalf("WriteTo: %v", err)
		}
		return rec.Totals()
	}
}

func TestCounter(t *testing.T) {
	s, _ := statsd.New("", statsd.Settings{})
	c, err := s.NewCounter("requests", 1)
	if err != nil {
		t.Fatal(err)
	}
	read := reader(t, s, statsdtest.NewRecorder())
	metricstest.Counter(t, c, func(lvs ...string) (float64, error) {
		return read().Counters[key("requests", lvs)], nil
	})
}

func TestGauge(t *testing.T) {
	s, _ := statsd.New("", statsd.Settings{})
	g, err := s.NewGauge("depth")
	if err != nil {
		t.Fatal(err)
	}
	read := reader(t, s, statsdtest.NewRecorder())
	metricstest.Gauge(t, g, func(lvs ...string) (float64, error) {
		return read().Gauges[key("depth", lvs)], nil
	})
}

func TestTiming(t *testing.T) {
	s, _ := statsd.New("", statsd.Settings{})
	h, err := s.NewTiming("latency_ms", 1)
	if err != nil {
		t.Fatal(err)
	}
	read := reader(t, s, statsdtest.NewRecorder())
	metricstest.Histogram(t, h, func(lvs ...string) (metricstest.HistogramStats, error) {
		vs := read().Timers[key("latency_ms", lvs)]
		sum := 0.0
		for _, v := range vs {
			sum += v
		}
		return metricstest.HistogramStats{Count: uint64(len(vs)), Sum: sum, HasSum: true}, nil
	}, 0.02)
}

func TestPacketsBoundedBySize(t *testing.T) {
	s, _ := statsd.New("", statsd.Settings{Prefix: "svc.", MaxPacketSize: 100})
	c, _ := s.NewCounter("requests", 1)
	for i := range 50 {
		c.With("method", fmt.Sprint("m", i)).Add(float64(i + 1))
	}
	rec := statsdtest.NewRecorder()
	if _, err := s.WriteTo(rec); err != nil {
		t.Fatal(err)
	}
	if len(rec.Packets) < 10 {
		t.Errorf("50 lines of ~25 bytes in %d packets, want at least 10 of ≤100 bytes", len(rec.Packets))
	}
	for i, p := range rec.Packets {
		if len(p) > 100 {
			t.Errorf("packet %d is %d bytes, want ≤ 100", i, len(p))
		}
		if !strings.HasSuffix(string(p), "\n") {
			t.Errorf("packet %d does not end a line: %q", i, p)
		}
	}
	tot := rec.Totals()
	for i := range 50 {
		if got := tot.Counters[fmt.Sprintf("svc.requests.method.m%d", i)]; got != float64(i+1) {
			t.Errorf("svc.requests.method.m%d = %v, want %d", i, got, i+1)
		}
	}
	// Nothing changed since: the next flush writes nothing.
	rec2 := statsdtest.NewRecorder()
	if n, _ := s.WriteTo(rec2); n != 0 {
		t.Errorf("second flush wrote %d bytes, want 0", n)
	}
}

func TestLabelsFoldedAndEscaped(t *testing.T) {
	s, _ := statsd.New("", statsd.Settings{})
	c, _ := s.NewCounter("requests", 1)
	c.With("path", "/a:b|c@d#e.f g").Add(1)
	rec := statsdtest.NewRecorder()
	if _, err := s.WriteTo(rec); err != nil {
		t.Fatal(err)
	}
	want := "requests.path./a_b_c_d_e_f_g:1|c\n"
	if len(rec.Packets) != 1 || string(rec.Packets[0]) != want {
		t.Errorf("packets = %q, want [%q]", rec.Packets, want)
	}
}

func TestConstructionErrors(t *testing.T) {
	s, _ := statsd.New("", statsd.Settings{})
	if _, err := s.NewCounter("taken", 1); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		f    func() error
		want error
	}{
		{"duplicate", func() error { _, err := s.NewGauge("taken"); return err }, statsd.ErrDuplicate},
		{"empty name", func() error { _, err := s.NewCounter("", 1); return err }, statsd.ErrInvalidName},
		{"colon in name", func() error { _, err := s.NewTiming("a:b", 1); return err }, statsd.ErrInvalidName},
		{"zero rate", func() error { _, err := s.NewCounter("z", 0); return err }, statsd.ErrInvalidSampleRate},
		{"rate above one", func() error { _, err := s.NewTiming("r", 1.5); return err }, statsd.ErrInvalidSampleRate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.f(); !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
	if _, err := statsd.New("no-port", statsd.Settings{}); err == nil {
		t.Errorf("New with a malformed address succeeded")
	}
}

func TestSampleRate(t *testing.T) {
	s, _ := statsd.New("", statsd.Settings{})
	c, _ := s.NewCounter("sampled", 0.25)
	for range 4000 {
		c.Add(1)
	}
	rec := statsdtest.NewRecorder()
	if _, err := s.WriteTo(rec); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(rec.Packets[0]), "|c|@0.25\n") {
		t.Errorf("packet %q lacks the sample rate", rec.Packets[0])
	}
	// Kept updates are binomial(4000, 0.25): 1000 ± 27; scaled back by 4.
	if got := rec.Totals().Counters["sampled"]; got < 3400 || got > 4600 {
		t.Errorf("scaled total = %v, want about 4000", got)
	}
}

func TestStopFlushes(t *testing.T) {
	l, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	s, err := statsd.New(l.LocalAddr().String(), statsd.Settings{FlushInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := s.NewCounter("requests", 1)
	c.Add(3)
	s.Stop()
	s.Stop() // idempotent
	_ = l.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 2048)
	n, _, err := l.ReadFrom(buf)
	if err != nil {
		t.Fatalf("no packet after Stop: %v", err)
	}
	if got := string(buf[:n]); got != "requests:3|c\n" {
		t.Errorf("packet = %q, want %q", got, "requests:3|c\n")
	}
	if s.Sent() != 1 || s.Dropped() != 0 {
		t.Errorf("Sent, Dropped = %d, %d; want 1, 0", s.Sent(), s.Dropped())
	}
}

func TestAbsentDaemonCountsDrops(t *testing.T) {
	// A port nobody listens on: loopback answers with ICMP port
	// unreachable, and the next write on the connected socket fails.
	l, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.LocalAddr().String()
	l.Close()
	s, err := statsd.New(addr, statsd.Settings{FlushInterval: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	c, _ := s.NewCounter("requests", 1)
	deadline := time.Now().Add(5 * time.Second)
	for s.Dropped() == 0 {
		start := time.Now()
		c.Add(1) // never waits for the network
		if d := time.Since(start); d > 100*time.Millisecond {
			t.Fatalf("Add took %v with no daemon", d)
		}
		if time.Now().After(deadline) {
			t.Fatalf("Dropped() still 0 after 5s of writes to a closed port (Sent %d)", s.Sent())
		}
		time.Sleep(time.Millisecond) // pacing the writes, not synchronisation
	}
}

func BenchmarkCounter(b *testing.B) {
	s, _ := statsd.New("", statsd.Settings{})
	c, _ := s.NewCounter("requests", 1)
	b.ReportAllocs()
	for b.Loop() {
		c.With("method", "sum").Add(1)
	}
}

func BenchmarkTiming(b *testing.B) {
	s, _ := statsd.New("", statsd.Settings{})
	h, _ := s.NewTiming("latency", 1)
	h = h.With("method", "sum")
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		h.Observe(1.5)
		if i%1000 == 0 {
			_, _ = s.WriteTo(discardWriter{})
		}
	}
}

type discardWriter struct{}

func (discardWriter) Write(p []byte) (int, error) { return len(p), nil }

func TestBufferedObservationsBounded(t *testing.T) {
	// No address: nothing flushes until WriteTo, as if the flush stalled.
	s, _ := statsd.New("", statsd.Settings{MaxBufferedObservations: 100})
	h, _ := s.NewTiming("latency_ms", 1)
	for i := range 1000 {
		h.With("shard", fmt.Sprint(i%3)).Observe(1)
	}
	if got := s.DroppedObservations(); got != 900 {
		t.Errorf("DroppedObservations() = %d, want 900", got)
	}
	rec := statsdtest.NewRecorder()
	if _, err := s.WriteTo(rec); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, vs := range rec.Totals().Timers {
		n += len(vs)
	}
	if n != 100 {
		t.Errorf("flush sent %d timings, want the bound 100", n)
	}
}

// TestEarlyFlush checks that a hot timing is flushed before the interval
// (an hour here) once half the bound is held, and that every observation
// is either received or counted as dropped.
func TestEarlyFlush(t *testing.T) {
	l, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	s, err := statsd.New(l.LocalAddr().String(), statsd.Settings{FlushInterval: time.Hour, MaxBufferedObservations: 64})
	if err != nil {
		t.Fatal(err)
	}
	h, _ := s.NewTiming("latency_ms", 1)
	observed := 0
	deadline := time.Now().Add(5 * time.Second)
	for s.Sent() == 0 { // only an early flush can send before Stop
		if time.Now().After(deadline) {
			s.Stop()
			t.Fatalf("no early flush after %d observations with a bound of 64", observed)
		}
		h.Observe(1)
		observed++
		if observed%32 == 0 {
			runtime.Gosched() // let the flushing goroutine run on a busy machine
		}
	}
	s.Stop()
	if observed <= 32 {
		t.Errorf("a flush came after %d observations, before half the bound of 64 was held", observed)
	}
	received := 0
	buf := make([]byte, 2048)
	_ = l.SetReadDeadline(time.Now().Add(5 * time.Second))
	for uint64(received)+s.DroppedObservations() < uint64(observed) {
		n, _, err := l.ReadFrom(buf)
		if err != nil {
			t.Fatalf("received %d and dropped %d of %d observations: %v", received, s.DroppedObservations(), observed, err)
		}
		received += strings.Count(string(buf[:n]), "latency_ms:1|ms\n")
	}
	if got := uint64(received) + s.DroppedObservations(); got != uint64(observed) {
		t.Errorf("received %d + dropped %d = %d, want %d", received, s.DroppedObservations(), got, observed)
	}
}
