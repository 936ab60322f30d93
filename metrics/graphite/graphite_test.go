package graphite_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/endpointkit/kit/internal/testenv"
	"github.com/endpointkit/kit/metrics/graphite"
	"github.com/endpointkit/kit/metrics/metricstest"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// parseLine parses one plaintext protocol line: "path value timestamp".
func parseLine(line string) (string, float64, error) {
	f := strings.Split(line, " ")
	if len(f) != 3 || f[0] == "" {
		return "", 0, fmt.Errorf("malformed line %q", line)
	}
	v, err := strconv.ParseFloat(f[1], 64)
	if err != nil {
		return "", 0, fmt.Errorf("line %q: %v", line, err)
	}
	if _, err := strconv.ParseInt(f[2], 10, 64); err != nil {
		return "", 0, fmt.Errorf("line %q: timestamp: %v", line, err)
	}
	return f[0], v, nil
}

// scanLines calls fn for each line read from r, failing on a malformed one.
func scanLines(r io.Reader, fn func(path string, v float64)) error {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		p, v, err := parseLine(sc.Text())
		if err != nil {
			return err
		}
		fn(p, v)
	}
	return sc.Err()
}

// parseLines returns the last value seen for each path.
func parseLines(r io.Reader) (map[string]float64, error) {
	out := map[string]float64{}
	err := scanLines(r, func(p string, v float64) { out[p] = v })
	return out, err
}

func flush(t *testing.T, g *graphite.Graphite) map[string]float64 {
	t.Helper()
	var b strings.Builder
	if _, err := g.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	m, err := parseLines(strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func path(name string, lvs []string) string { return strings.Join(append([]string{name}, lvs...), ".") }

func TestCounter(t *testing.T) {
	g, _ := graphite.New("", graphite.Settings{})
	c, err := g.NewCounter("requests")
	if err != nil {
		t.Fatal(err)
	}
	metricstest.Counter(t, c, func(lvs ...string) (float64, error) {
		return flush(t, g)[path("requests", lvs)], nil
	})
}

func TestGauge(t *testing.T) {
	g, _ := graphite.New("", graphite.Settings{})
	ga, err := g.NewGauge("depth")
	if err != nil {
		t.Fatal(err)
	}
	metricstest.Gauge(t, ga, func(lvs ...string) (float64, error) {
		return flush(t, g)[path("depth", lvs)], nil
	})
}

func TestHistogram(t *testing.T) {
	g, _ := graphite.New("", graphite.Settings{Quantiles: []float64{0.5, 0.9, 0.999}})
	h, err := g.NewHistogram("latency")
	if err != nil {
		t.Fatal(err)
	}
	metricstest.Histogram(t, h, func(lvs ...string) (metricstest.HistogramStats, error) {
		m := flush(t, g)
		p := path("latency", lvs)
		return metricstest.HistogramStats{Count: uint64(m[p+".count"]),
			Quantiles: map[float64]float64{0.5: m[p+".p50"], 0.9: m[p+".p90"], 0.999: m[p+".p999"]}}, nil
	}, 0.02)
}

func TestLinesAndWindows(t *testing.T) {
	at := time.Unix(1700000000, 0)
	g, _ := graphite.New("", graphite.Settings{Prefix: "svc.", Quantiles: []float64{0.5}})
	c, _ := g.NewCounter("requests")
	h, _ := g.NewHistogram("latency")
	c.With("path", "/a b.c").Add(2)
	h.Observe(3)
	var b strings.Builder
	if _, err := g.WriteToAt(&b, at); err != nil {
		t.Fatal(err)
	}
	want := "svc.requests.path._a_b_c 2 1700000000\nsvc.latency.p50 3 1700000000\nsvc.latency.count 1 1700000000\n"
	if b.String() != want {
		t.Errorf("flush =\n%s\nwant\n%s", b.String(), want)
	}
	// The histogram window is empty now; the counter is still sent.
	b.Reset()
	_, _ = g.WriteToAt(&b, at)
	if want := "svc.requests.path._a_b_c 2 1700000000\n"; b.String() != want {
		t.Errorf("second flush =\n%s\nwant\n%s", b.String(), want)
	}
}

// WriteTo stamps its lines with time.Now, which in a testing/synctest bubble
// is the bubble's fake clock: 2000-01-01T00:00:00Z, then as the test sleeps.
func TestWriteToStampsNow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g, _ := graphite.New("", graphite.Settings{})
		c, _ := g.NewCounter("requests")
		c.Add(1)
		time.Sleep(90 * time.Second)
		var b strings.Builder
		if _, err := g.WriteTo(&b); err != nil {
			t.Fatal(err)
		}
		want := "requests 1 " + strconv.FormatInt(time.Now().Unix(), 10) + "\n"
		if b.String() != want || !strings.HasSuffix(want, " 946684890\n") {
			t.Errorf("WriteTo 90s into the bubble = %q, want %q (stamped 946684890)", b.String(), want)
		}
	})

}

func TestConstructionErrors(t *testing.T) {
	g, _ := graphite.New("", graphite.Settings{})
	if _, err := g.NewCounter("taken"); err != nil {
		t.Fatal(err)
	}
	if _, err := g.NewGauge("taken"); !errors.Is(err, graphite.ErrDuplicate) {
		t.Errorf("duplicate: err = %v, want ErrDuplicate", err)
	}
	if _, err := g.NewHistogram("a b"); !errors.Is(err, graphite.ErrInvalidName) {
		t.Errorf("space in name: err = %v, want ErrInvalidName", err)
	}
	if _, err := graphite.New("", graphite.Settings{Quantiles: []float64{1.5}}); !errors.Is(err, graphite.ErrInvalidQuantile) {
		t.Errorf("quantile 1.5: err = %v, want ErrInvalidQuantile", err)
	}
	if _, err := graphite.New("no-port", graphite.Settings{}); err == nil {
		t.Errorf("New with a malformed address succeeded")
	}
}

// listener is a TCP server that parses the plaintext protocol, keeping the
// last value of each path; a malformed line is recorded as an error.
type listener struct {
	l    net.Listener
	mu   sync.Mutex
	seen map[string]float64
	errs []error
	wg   sync.WaitGroup
	cmu  sync.Mutex
	conn []net.Conn
}

func listen(t *testing.T, addr string) *listener {
	t.Helper()
	var l net.Listener
	var err error
	deadline := time.Now().Add(5 * time.Second)
	for {
		if l, err = net.Listen("tcp", addr); err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond) // the port may linger briefly
	}
	if err != nil {
		t.Fatal(err)
	}
	s := &listener{l: l, seen: map[string]float64{}}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			s.cmu.Lock()
			s.conn = append(s.conn, c)
			s.cmu.Unlock()
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				err := scanLines(c, func(p string, v float64) {
					s.mu.Lock()
					s.seen[p] = v
					s.mu.Unlock()
				})
				if err != nil && !errors.Is(err, net.ErrClosed) {
					s.mu.Lock()
					s.errs = append(s.errs, err)
					s.mu.Unlock()
				}
			}()
		}
	}()
	return s
}

// close stops accepting, drops every connection and waits for its readers.
func (s *listener) close() {
	s.l.Close()
	s.cmu.Lock()
	for _, c := range s.conn {
		c.Close()
	}
	s.cmu.Unlock()
	s.wg.Wait()
}

func (s *listener) value(path string) (float64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.seen[path]
	return v, ok
}

func waitValue(t *testing.T, s *listener, path string, want float64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if v, ok := s.value(path); ok && v == want {
			return
		}
		if time.Now().After(deadline) {
			v, ok := s.value(path)
			t.Fatalf("%s = %v (seen %v), want %v", path, v, ok, want)
		}
		time.Sleep(10 * time.Millisecond) // polling interval, not synchronisation
	}
}

// TestReconnects drops the server, keeps updating while it is away, brings
// it back on the same port and checks that the emitter reconnects.
func TestReconnects(t *testing.T) {
	s1 := listen(t, "127.0.0.1:0")
	addr := s1.l.Addr().String()
	g, err := graphite.New(addr, graphite.Settings{FlushInterval: 10 * time.Millisecond, MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Stop()
	c, _ := g.NewCounter("requests")
	c.Add(1)
	waitValue(t, s1, "requests", 1)

	s1.close()
	deadline := time.Now().Add(10 * time.Second)
	for g.Dropped() == 0 {
		c.Add(1) // updates go on while carbon is away, without blocking
		if time.Now().After(deadline) {
			t.Fatal("no flush dropped after the server closed")
		}
		time.Sleep(5 * time.Millisecond) // pacing, not synchronisation
	}
	total := 0.0
	c.Add(0)
	s2 := listen(t, addr)
	defer s2.close()
	c.Add(1)
	// The total includes every Add made while the server was away.
	deadline = time.Now().Add(10 * time.Second)
	for {
		v, ok := s2.value("requests")
		if ok && v >= 3 {
			total = v
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the server came back: requests = %v (seen %v), want ≥ 3", v, ok)
		}
		time.Sleep(10 * time.Millisecond) // polling interval
	}
	if total != math.Trunc(total) {
		t.Errorf("running total %v is not a whole number of Add(1)s", total)
	}
	s1.mu.Lock()
	defer s1.mu.Unlock()
	if len(s1.errs) > 0 {
		t.Errorf("server saw malformed lines: %v", s1.errs)
	}
}

func TestStopFlushes(t *testing.T) {
	s := listen(t, "127.0.0.1:0")
	defer s.close()
	g, err := graphite.New(s.l.Addr().String(), graphite.Settings{FlushInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ga, _ := g.NewGauge("depth")
	ga.Set(7)
	g.Stop()
	g.Stop()
	waitValue(t, s, "depth", 7)
}

func BenchmarkCounter(b *testing.B) {
	g, _ := graphite.New("", graphite.Settings{})
	c, _ := g.NewCounter("requests")
	b.ReportAllocs()
	for b.Loop() {
		c.With("method", "sum").Add(1)
	}
}
