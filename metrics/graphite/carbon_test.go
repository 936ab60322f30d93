package graphite_test

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/endpointkit/kit/internal/testenv"
	"github.com/endpointkit/kit/metrics/graphite"
)

// carbon is a carbon-cache process writing whisper files under dir.
type carbon struct {
	dir, addr string
	cmd       *exec.Cmd
	logs      *bytes.Buffer
}

// startCarbon starts carbon-cache on loopback ports with its storage in dir
// (one-second resolution, whisper files flushed at once), and waits until
// its line receiver accepts connections.
func startCarbon(t *testing.T, dir, addr string, queryPort, picklePort string) *carbon {
	t.Helper()
	bin := testenv.LookPath(t, "carbon-cache")
	host, port, _ := net.SplitHostPort(addr)
	conf := fmt.Sprintf(`[cache]
STORAGE_DIR = %[1]s/
LOCAL_DATA_DIR = %[1]s/whisper/
CONF_DIR = %[1]s/
LOG_DIR = %[1]s/log/
PID_DIR = %[1]s/
DATABASE = whisper
USER =
ENABLE_TAGS = False
MAX_CACHE_SIZE = inf
MAX_UPDATES_PER_SECOND = inf
MAX_CREATES_PER_MINUTE = inf
WHISPER_AUTOFLUSH = True
LINE_RECEIVER_INTERFACE = %[2]s
LINE_RECEIVER_PORT = %[3]s
ENABLE_UDP_LISTENER = False
PICKLE_RECEIVER_INTERFACE = 127.0.0.1
PICKLE_RECEIVER_PORT = %[4]s
CACHE_QUERY_INTERFACE = 127.0.0.1
CACHE_QUERY_PORT = %[5]s
`, dir, host, port, picklePort, queryPort)
	for name, body := range map[string]string{
		"carbon.conf":          conf,
		"storage-schemas.conf": "[default]\npattern = .*\nretentions = 1s:1h\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	_ = os.Remove(filepath.Join(dir, "carbon-cache-a.pid")) // left by a killed predecessor
	c := &carbon{dir: dir, addr: addr, logs: new(bytes.Buffer)}
	c.cmd = exec.Command(bin, "--config="+filepath.Join(dir, "carbon.conf"), "--nodaemon", "start")
	c.cmd.Dir = dir
	c.cmd.Stdout, c.cmd.Stderr = c.logs, c.logs
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.stop()
		if t.Failed() {
			t.Logf("carbon-cache output:\n%s", c.logs.String())
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		conn, err := net.Dial("tcp", addr)
		if err == nil {
			conn.Close()
			return c
		}
		if time.Now().After(deadline) {
			t.Fatalf("carbon-cache not accepting on %s after 20s: %v", addr, err)
		}
		time.Sleep(50 * time.Millisecond) // polling interval
	}
}

func (c *carbon) stop() {
	if c.cmd.ProcessState == nil {
		_ = c.cmd.Process.Kill()
		_ = c.cmd.Wait()
	}
}

// fetch returns the latest stored value of a path, read with whisper-fetch
// from carbon's whisper file.
func (c *carbon) fetch(t *testing.T, path string) (float64, bool) {
	t.Helper()
	file := filepath.Join(c.dir, "whisper", strings.ReplaceAll(path, ".", "/")+".wsp")
	if _, err := os.Stat(file); err != nil {
		return 0, false
	}
	out, err := exec.Command(testenv.LookPath(t, "whisper-fetch"), "--drop=nulls",
		"--from="+strconv.FormatInt(time.Now().Add(-10*time.Minute).Unix(), 10), file).Output()
	if err != nil {
		return 0, false
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	f := strings.Fields(lines[len(lines)-1])
	if len(f) != 2 {
		return 0, false
	}
	v, err := strconv.ParseFloat(f[1], 64)
	return v, err == nil
}

func (c *carbon) waitFor(t *testing.T, path string, ok func(float64) bool) float64 {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		v, seen := c.fetch(t, path)
		if seen && ok(v) {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("carbon: %s = %v (stored %v) after 20s", path, v, seen)
		}
		time.Sleep(100 * time.Millisecond) // polling interval
	}
}

func freeTCP(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func port(addr string) string { _, p, _ := net.SplitHostPort(addr); return p }

// TestCarbonStoresAndSurvivesRestart sends to a real carbon-cache, reads the
// whisper files back, then restarts carbon and checks that the emitter
// reconnects and the stored running total catches up.
func TestCarbonStoresAndSurvivesRestart(t *testing.T) {
	testenv.LookPath(t, "whisper-fetch")
	dir := t.TempDir()
	addr, qport, pport := freeTCP(t), port(freeTCP(t)), port(freeTCP(t))
	c := startCarbon(t, dir, addr, qport, pport)

	g, err := graphite.New(addr, graphite.Settings{
		Prefix: "kit.", FlushInterval: 100 * time.Millisecond, Quantiles: []float64{0.5, 0.99},
		MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Stop()
	requests, _ := g.NewCounter("requests")
	depth, _ := g.NewGauge("depth")
	latency, _ := g.NewHistogram("latency")
	for range 5 {
		requests.With("method", "sum").Add(1)
	}
	depth.Set(2.5)
	for i := 1; i <= 100; i++ {
		latency.With("method", "sum").Observe(float64(i))
	}

	c.waitFor(t, "kit.requests.method.sum", func(v float64) bool { return v == 5 })
	c.waitFor(t, "kit.depth", func(v float64) bool { return v == 2.5 })
	if v := c.waitFor(t, "kit.latency.method.sum.count", func(v float64) bool { return v > 0 }); v != 100 {
		t.Errorf("stored latency count = %v, want 100", v)
	}
	if v := c.waitFor(t, "kit.latency.method.sum.p50", func(float64) bool { return true }); v < 49 || v > 52 {
		t.Errorf("stored latency p50 = %v, want about 50", v)
	}

	// Carbon goes away; updates go on; carbon comes back on the same port.
	c.stop()
	dropped := g.Dropped()
	for range 3 {
		requests.With("method", "sum").Add(1)
	}
	deadline := time.Now().Add(10 * time.Second)
	for g.Dropped() == dropped {
		if time.Now().After(deadline) {
			t.Fatal("no flush dropped while carbon was down")
		}
		time.Sleep(20 * time.Millisecond) // polling interval
	}
	c = startCarbon(t, dir, addr, qport, pport)
	c.waitFor(t, "kit.requests.method.sum", func(v float64) bool { return v == 8 })
}
