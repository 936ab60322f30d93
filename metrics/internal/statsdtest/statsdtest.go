package statsdtest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/endpointkit/kit/internal/testenv"
)

// backend is a StatsD backend that appends each flush, as one JSON line, to
// the file named by the kitOut setting. The daemon's own console backend
// prints JavaScript object notation, which is not JSON.
const backend = `const fs = require('fs');
exports.init = function (startup, config, events) {
  events.on('flush', function (ts, m) {
    fs.appendFileSync(config.kitOut, JSON.stringify({
      counters: m.counters, gauges: m.gauges, timers: m.timers, timer_counters: m.timer_counters,
    }) + "\n");
  });
  return true;
};
`

// Daemon is a running StatsD daemon.
type Daemon struct {
	// Addr is its UDP address.
	Addr string
	out  string
}

// Totals is what the daemon aggregated over all its flushes so far.
type Totals struct {
	Counters      map[string]float64   // summed over flushes
	Gauges        map[string]float64   // last value
	Timers        map[string][]float64 // every value received
	TimerCounters map[string]float64   // timer counts, scaled by sample rate
}

// Start starts the daemon on free loopback ports with a temp dir, flushing
// every 100ms to a file, and stops it when t ends. It returns once the
// daemon has received and flushed a probe.
func Start(t *testing.T) *Daemon {
	t.Helper()
	bin := testenv.LookPath(t, "statsd")
	testenv.LookPath(t, "node")
	dir := t.TempDir()
	d := &Daemon{Addr: freeUDP(t), out: filepath.Join(dir, "flushes.jsonl")}
	backendPath := filepath.Join(dir, "kit_backend.js")
	if err := os.WriteFile(backendPath, []byte(backend), 0o600); err != nil {
		t.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(d.Addr)
	cfg, _ := json.Marshal(map[string]any{
		"address": host, "port": mustAtoi(port),
		"mgmt_address": "127.0.0.1", "mgmt_port": mustAtoi(freePort(t)),
		"flushInterval": 100, "backends": []string{backendPath}, "kitOut": d.out,
	})
	cfgPath := filepath.Join(dir, "config.js")
	if err := os.WriteFile(cfgPath, cfg, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, cfgPath)
	var logs syncBuffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("statsd output:\n%s", logs.String())
		}
	})
	conn, err := net.Dial("udp", d.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	d.WaitFor(t, 15*time.Second, "the readiness probe", func(tot Totals) bool {
		_, _ = conn.Write([]byte("kit_probe:1|c\n")) // resent until one lands
		return tot.Counters["kit_probe"] > 0
	})
	return d
}

// Read returns the totals of every flush so far.
func (d *Daemon) Read() (Totals, error) {
	tot := Totals{Counters: map[string]float64{}, Gauges: map[string]float64{}, Timers: map[string][]float64{}, TimerCounters: map[string]float64{}}
	b, err := os.ReadFile(d.out)
	if os.IsNotExist(err) {
		return tot, nil
	}
	if err != nil {
		return tot, err
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var f struct {
			Counters      map[string]float64
			Gauges        map[string]float64
			Timers        map[string][]float64
			TimerCounters map[string]float64 `json:"timer_counters"`
		}
		if err := json.Unmarshal(sc.Bytes(), &f); err != nil {
			continue // a line being written
		}
		for k, v := range f.Counters {
			tot.Counters[k] += v
		}
		for k, v := range f.Gauges {
			tot.Gauges[k] = v
		}
		for k, v := range f.Timers {
			tot.Timers[k] = append(tot.Timers[k], v...)
		}
		for k, v := range f.TimerCounters {
			tot.TimerCounters[k] += v
		}
	}
	return tot, nil
}

// WaitFor polls Read until ok holds, failing t after timeout.
func (d *Daemon) WaitFor(t *testing.T, timeout time.Duration, what string, ok func(Totals) bool) Totals {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		tot, err := d.Read()
		if err == nil && ok(tot) {
			return tot
		}
		if time.Now().After(deadline) {
			t.Fatalf("statsd daemon: %s not seen after %v (read error %v; totals %+v)", what, timeout, err, tot)
		}
		time.Sleep(50 * time.Millisecond) // polling interval, not synchronisation
	}
}

func mustAtoi(s string) int { n, _ := strconv.Atoi(s); return n }

func freeUDP(t *testing.T) string {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().String()
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return port
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Recorder is an io.Writer that keeps each Write as one packet and
// aggregates the StatsD lines in it the way a daemon would, keyed by the
// text before ":" plus any DogStatsD tag suffix ("|#a:b" appended as-is).
type Recorder struct {
	mu      sync.Mutex
	Packets [][]byte
	totals  Totals
}

// NewRecorder returns an empty Recorder.
func NewRecorder() *Recorder {
	return &Recorder{totals: Totals{Counters: map[string]float64{}, Gauges: map[string]float64{}, Timers: map[string][]float64{}, TimerCounters: map[string]float64{}}}
}

// Write parses one packet.
func (r *Recorder) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.Packets = append(r.Packets, append([]byte(nil), p...))
	for _, line := range strings.Split(strings.TrimSuffix(string(p), "\n"), "\n") {
		if err := r.line(line); err != nil {
			return 0, fmt.Errorf("line %q: %w", line, err)
		}
	}
	return len(p), nil
}

func (r *Recorder) line(line string) error {
	tags := ""
	if i := strings.Index(line, "|#"); i >= 0 {
		line, tags = line[:i], line[i:]
	}
	name, rest, ok := strings.Cut(line, ":")
	if !ok {
		return fmt.Errorf("no ':'")
	}
	fields := strings.Split(rest, "|")
	if len(fields) < 2 {
		return fmt.Errorf("no type")
	}
	v, err := strconv.ParseFloat(fields[0], 64)
	if err != nil {
		return err
	}
	rate := 1.0
	if len(fields) > 2 {
		if rate, err = strconv.ParseFloat(strings.TrimPrefix(fields[2], "@"), 64); err != nil || !strings.HasPrefix(fields[2], "@") {
			return fmt.Errorf("bad sample rate %q", fields[2])
		}
	}
	key := name + tags
	switch fields[1] {
	case "c":
		r.totals.Counters[key] += v / rate
	case "g":
		if _, seen := r.totals.Gauges[key]; seen && (fields[0][0] == '-' || fields[0][0] == '+') {
			r.totals.Gauges[key] += v
		} else {
			r.totals.Gauges[key] = v
		}
	case "ms", "h", "d":
		r.totals.Timers[key] = append(r.totals.Timers[key], v)
		r.totals.TimerCounters[key] += 1 / rate
	default:
		return fmt.Errorf("unknown type %q", fields[1])
	}
	return nil
}

// Totals returns a copy of what was recorded.
func (r *Recorder) Totals() Totals {
	r.mu.Lock()
	defer r.mu.Unlock()
	t := Totals{Counters: map[string]float64{}, Gauges: map[string]float64{}, Timers: map[string][]float64{}, TimerCounters: map[string]float64{}}
	for k, v := range r.totals.Counters {
		t.Counters[k] = v
	}
	for k, v := range r.totals.Gauges {
		t.Gauges[k] = v
	}
	for k, v := range r.totals.Timers {
		t.Timers[k] = append([]float64(nil), v...)
	}
	for k, v := range r.totals.TimerCounters {
		t.TimerCounters[k] = v
	}
	return t
}
