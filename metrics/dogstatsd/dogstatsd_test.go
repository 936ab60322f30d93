package dogstatsd_test

import (
	"errors"
	"fmt"
	"math"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/endpointkit/kit/internal/testenv"
	"github.com/endpointkit/kit/metrics"
	"github.com/endpointkit/kit/metrics/dogstatsd"
	"github.com/endpointkit/kit/metrics/internal/statsdtest"
	"github.com/endpointkit/kit/metrics/metricstest"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// key is how the Recorder keys a line: the name, then the tag suffix.
func key(name string, lvs []string) string {
	if len(lvs) == 0 {
		return name
	}
	var tags []string
	for i := 0; i+1 < len(lvs); i += 2 {
		tags = append(tags, lvs[i]+":"+lvs[i+1])
	}
	return name + "|#" + strings.Join(tags, ",")
}

func reader(t *testing.T, d *dogstatsd.Dogstatsd, rec *statsdtest.Recorder) func() statsdtest.Totals {
	return func() statsdtest.Totals {
		if _, err := d.WriteTo(rec); err != nil {
			t.Fatalf("WriteTo: %v", err)
		}
		return rec.Totals()
	}
}

func TestCounter(t *testing.T) {
	d, _ := dogstatsd.New("", dogstatsd.Settings{})
	c, err := d.NewCounter("requests", 1)
	if err != nil {
		t.Fatal(err)
	}
	read := reader(t, d, statsdtest.NewRecorder())
	metricstest.Counter(t, c, func(lvs ...string) (float64, error) {
		return read().Counters[key("requests", lvs)], nil
	})
}

func TestGauge(t *testing.T) {
	d, _ := dogstatsd.New("", dogstatsd.Settings{})
	g, err := d.NewGauge("depth")
	if err != nil {
		t.Fatal(err)
	}
	read := reader(t, d, statsdtest.NewRecorder())
	metricstest.Gauge(t, g, func(lvs ...string) (float64, error) {
		return read().Gauges[key("depth", lvs)], nil
	})
}

func TestHistogram(t *testing.T) {
	d, _ := dogstatsd.New("", dogstatsd.Settings{})
	h, err := d.NewHistogram("latency", 1)
	if err != nil {
		t.Fatal(err)
	}
	read := reader(t, d, statsdtest.NewRecorder())
	metricstest.Histogram(t, h, func(lvs ...string) (metricstest.HistogramStats, error) {
		vs := read().Timers[key("latency", lvs)]
		sum := 0.0
		for _, v := range vs {
			sum += v
		}
		return metricstest.HistogramStats{Count: uint64(len(vs)), Sum: sum, HasSum: true}, nil
	}, 0.02)
}

func TestTagsAndEscaping(t *testing.T) {
	tests := []struct {
		name     string
		settings dogstatsd.Settings
		lvs      []string
		want     string
	}{
		{"no tags", dogstatsd.Settings{}, nil, "requests:1|c\n"},
		{"labels", dogstatsd.Settings{}, []string{"method", "sum", "code", "200"}, "requests:1|c|#method:sum,code:200\n"},
		{"global first", dogstatsd.Settings{Prefix: "svc.", Tags: []string{"env", "prod"}}, []string{"method", "sum"}, "svc.requests:1|c|#env:prod,method:sum\n"},
		{"odd global", dogstatsd.Settings{Tags: []string{"env"}}, nil, "requests:1|c|#env:unknown\n"},
		{"escaped", dogstatsd.Settings{}, []string{"a:b", "x,y|z#w\nv:u"}, "requests:1|c|#a_b:x_y_z_w_v:u\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, _ := dogstatsd.New("", tt.settings)
			c, _ := d.NewCounter("requests", 1)
			c.With(tt.lvs...).Add(1)
			rec := statsdtest.NewRecorder()
			if _, err := d.WriteTo(rec); err != nil {
				t.Fatal(err)
			}
			if len(rec.Packets) != 1 || string(rec.Packets[0]) != tt.want {
				t.Errorf("packets = %q, want [%q]", rec.Packets, tt.want)
			}
		})
	}
}

func TestLineTypes(t *testing.T) {
	tests := []struct {
		name string
		new  func(*dogstatsd.Dogstatsd) (metrics.Histogram, error)
		want string
	}{
		{"timing", func(d *dogstatsd.Dogstatsd) (metrics.Histogram, error) { return d.NewTiming("latency", 1) }, "latency:250|ms|#method:sum\n"},
		{"histogram", func(d *dogstatsd.Dogstatsd) (metrics.Histogram, error) { return d.NewHistogram("latency", 1) }, "latency:250|h|#method:sum\n"},
		{"distribution", func(d *dogstatsd.Dogstatsd) (metrics.Histogram, error) { return d.NewDistribution("latency", 1) }, "latency:250|d|#method:sum\n"},
		{"sampled distribution", func(d *dogstatsd.Dogstatsd) (metrics.Histogram, error) {
			return d.NewDistribution("latency", math.Nextafter(1, 0))
		}, "latency:250|d|@0.9999999999999999|#method:sum\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, _ := dogstatsd.New("", dogstatsd.Settings{})
			h, err := tt.new(d)
			if err != nil {
				t.Fatal(err)
			}
			// At a rate just below 1 an observation is dropped with
			// probability 2^-53: observe until one is kept.
			rec := statsdtest.NewRecorder()
			for range 10 {
				h.With("method", "sum").Observe(250)
				if _, err := d.WriteTo(rec); err != nil {
					t.Fatal(err)
				}
				if len(rec.Packets) > 0 {
					break
				}
			}
			if len(rec.Packets) != 1 || string(rec.Packets[0]) != tt.want {
				t.Errorf("packets = %q, want [%q]", rec.Packets, tt.want)
			}
		})
	}
	d, _ := dogstatsd.New("", dogstatsd.Settings{})
	if _, err := d.NewDistribution("bad|name", 1); !errors.Is(err, dogstatsd.ErrInvalidName) {
		t.Errorf("NewDistribution(bad|name) error = %v, want ErrInvalidName", err)
	}
}

func TestPacketsBoundedBySize(t *testing.T) {
	d, _ := dogstatsd.New("", dogstatsd.Settings{MaxPacketSize: 120})
	h, _ := d.NewTiming("latency", 1)
	for i := range 100 {
		h.With("method", fmt.Sprint("m", i%7)).Observe(float64(i))
	}
	rec := statsdtest.NewRecorder()
	if _, err := d.WriteTo(rec); err != nil {
		t.Fatal(err)
	}
	n := 0
	for i, p := range rec.Packets {
		if len(p) > 120 {
			t.Errorf("packet %d is %d bytes, want ≤ 120", i, len(p))
		}
		n += strings.Count(string(p), "\n")
	}
	if n != 100 {
		t.Errorf("%d lines sent, want 100", n)
	}
}

func TestConstructionErrors(t *testing.T) {
	d, _ := dogstatsd.New("", dogstatsd.Settings{})
	if _, err := d.NewCounter("taken", 1); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		f    func() error
		want error
	}{
		{"duplicate", func() error { _, err := d.NewHistogram("taken", 1); return err }, dogstatsd.ErrDuplicate},
		{"pipe in name", func() error { _, err := d.NewGauge("a|b"); return err }, dogstatsd.ErrInvalidName},
		{"negative rate", func() error { _, err := d.NewTiming("t", -1); return err }, dogstatsd.ErrInvalidSampleRate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.f(); !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

// TestDaemonAggregates sends to the reference StatsD daemon, which reads
// DogStatsD tags into its keys as ";name=value".
func TestDaemonAggregates(t *testing.T) {
	daemon := statsdtest.Start(t)
	d, err := dogstatsd.New(daemon.Addr, dogstatsd.Settings{Prefix: "kit.", Tags: []string{"env", "test"}, FlushInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	requests, _ := d.NewCounter("requests", 1)
	depth, _ := d.NewGauge("depth")
	latency, _ := d.NewTiming("latency_ms", 1)
	for range 25 {
		requests.With("method", "sum", "code", "200").Add(2)
	}
	depth.With("queue", "a").Set(-8)
	for i := range 30 {
		latency.With("method", "sum").Observe(float64(i))
	}
	d.Stop()

	tot := daemon.WaitFor(t, 10*time.Second, "kit.requests;env=test;method=sum;code=200 = 50", func(tot statsdtest.Totals) bool {
		return tot.Counters["kit.requests;env=test;method=sum;code=200"] == 50 && len(tot.Timers["kit.latency_ms;env=test;method=sum"]) == 30
	})
	if got := tot.Gauges["kit.depth;env=test;queue=a"]; got != -8 {
		t.Errorf("gauge = %v, want -8", got)
	}
	if got, ok := tot.Counters["statsd.bad_lines_seen"]; !ok || got != 0 {
		t.Errorf("daemon bad_lines_seen = %v (reported %v), want 0", got, ok)
	}
}

func TestStopFlushesToSocket(t *testing.T) {
	l, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	d, err := dogstatsd.New(l.LocalAddr().String(), dogstatsd.Settings{FlushInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	g, _ := d.NewGauge("depth")
	g.With("queue", "a").Set(2)
	d.Stop()
	_ = l.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 2048)
	n, _, err := l.ReadFrom(buf)
	if err != nil {
		t.Fatalf("no packet after Stop: %v", err)
	}
	if got, want := string(buf[:n]), "depth:2|g|#queue:a\n"; got != want {
		t.Errorf("packet = %q, want %q", got, want)
	}
}

func Example() {
	d, err := dogstatsd.New("", dogstatsd.Settings{Prefix: "addsvc.", Tags: []string{"env", "prod"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	requests, _ := d.NewCounter("requests", 1)
	requests.With("method", "sum").Add(1)
	var b strings.Builder
	_, _ = d.WriteTo(&b) // New with an address flushes by itself
	fmt.Print(b.String())
	// Output: addsvc.requests:1|c|#env:prod,method:sum
}

func BenchmarkCounter(b *testing.B) {
	d, _ := dogstatsd.New("", dogstatsd.Settings{})
	c, _ := d.NewCounter("requests", 1)
	b.ReportAllocs()
	for b.Loop() {
		c.With("method", "sum").Add(1)
	}
}

func TestBufferedObservationsBounded(t *testing.T) {
	d, _ := dogstatsd.New("", dogstatsd.Settings{MaxBufferedObservations: 10})
	dist, _ := d.NewDistribution("size", 1)
	hist, _ := d.NewHistogram("depth", 1)
	for range 10 {
		dist.Observe(1)
		hist.Observe(2)
	}
	if got := d.DroppedObservations(); got != 10 {
		t.Errorf("DroppedObservations() = %d, want 10 (the bound is shared)", got)
	}
	rec := statsdtest.NewRecorder()
	if _, err := d.WriteTo(rec); err != nil {
		t.Fatal(err)
	}
	lines := 0
	for _, p := range rec.Packets {
		lines += strings.Count(string(p), "\n")
	}
	if lines != 10 {
		t.Errorf("flush sent %d lines, want the bound 10", lines)
	}
}
