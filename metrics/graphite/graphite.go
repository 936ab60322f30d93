package graphite

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
	"sync/atomic"
	"time"

	"github.com/endpointkit/kit/metrics"
	"github.com/endpointkit/kit/metrics/internal/lv"
	"github.com/endpointkit/kit/metrics/internal/sketch"
)

var (
	// ErrInvalidName is returned for an empty metric name or one containing
	// whitespace.
	ErrInvalidName = errors.New("graphite: invalid metric name")
	// ErrDuplicate is returned for a name already used in this Graphite.
	ErrDuplicate = errors.New("graphite: duplicate metric name")
	// ErrInvalidQuantile is returned by New for a quantile outside [0, 1].
	ErrInvalidQuantile = errors.New("graphite: invalid quantile")
)

// Settings configures a Graphite. The zero value is ready to use.
type Settings struct {
	// Prefix is prepended to every path, e.g. "addsvc.".
	Prefix string
	// FlushInterval is how often series are sent. Zero means 10s.
	FlushInterval time.Duration
	// Quantiles are the quantiles sent for each histogram. Nil means 0.5,
	// 0.9, 0.95 and 0.99; 0.999 is sent as "p999".
	Quantiles []float64
	// MinBackoff and MaxBackoff bound the wait between reconnection
	// attempts. Zero means 100ms and 30s.
	MinBackoff, MaxBackoff time.Duration
	// Timeout bounds each dial and each flush's writes. Zero means
	// FlushInterval.
	Timeout time.Duration
	// Now returns the time stamped on lines. Nil means time.Now.
	Now func() time.Time
}

// Graphite holds instruments and sends them to carbon. It is safe for
// concurrent use.
type Graphite struct {
	s Settings

	mu    sync.Mutex // guards names, flush; held for a whole flush
	names map[string]bool
	flush []func(w *bufio.Writer, ts int64)

	sent, dropped atomic.Uint64

	addr string
	conn net.Conn // owned by the flushing goroutine
	bo   backoff
	stop chan struct{}
	done chan struct{}
	once sync.Once
}

// New returns a Graphite that sends to the TCP address addr from a goroutine
// started here, until Stop. It does not wait for carbon: an unreachable
// address is retried with backoff. With an empty addr nothing is started,
// and the caller sends with WriteTo.
func New(addr string, s Settings) (*Graphite, error) {
	if s.FlushInterval <= 0 {
		s.FlushInterval = 10 * time.Second
	}
	if s.Quantiles == nil {
		s.Quantiles = []float64{0.5, 0.9, 0.95, 0.99}
	}
	for _, q := range s.Quantiles {
		if !(q >= 0 && q <= 1) {
			return nil, fmt.Errorf("%w: %v", ErrInvalidQuantile, q)
		}
	}
	s.Quantiles = append([]float64(nil), s.Quantiles...)
	if s.MinBackoff <= 0 {
		s.MinBackoff = 100 * time.Millisecond
	}
	if s.MaxBackoff < s.MinBackoff {
		s.MaxBackoff = max(30*time.Second, s.MinBackoff)
	}
	if s.Timeout <= 0 {
		s.Timeout = s.FlushInterval
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	g := &Graphite{s: s, names: map[string]bool{}, addr: addr, bo: backoff{min: s.MinBackoff, max: s.MaxBackoff}}
	if addr == "" {
		return g, nil
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return nil, fmt.Errorf("graphite: address %q: %w", addr, err)
	}
	g.stop, g.done = make(chan struct{}), make(chan struct{})
	go g.loop()
	return g, nil
}

func (g *Graphite) loop() {
	defer close(g.done)
	t := time.NewTicker(g.s.FlushInterval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			g.send()
		case <-g.stop:
			g.send()
			if g.conn != nil {
				_ = g.conn.Close()
			}
			return
		}
	}
}

// send writes one flush to carbon, connecting first if needed. Only the
// flushing goroutine calls it.
func (g *Graphite) send() {
	now := time.Now()
	if g.conn == nil {
		if !g.bo.ready(now) {
			g.dropFlush()
			return
		}
		conn, err := net.DialTimeout("tcp", g.addr, g.s.Timeout)
		if err != nil {
			g.bo.failure(now)
			g.dropFlush()
			return
		}
		g.conn = conn
	}
	_ = g.conn.SetWriteDeadline(now.Add(g.s.Timeout))
	if _, err := g.WriteTo(g.conn); err != nil {
		// WriteTo counted the drop. The server went away or stalled:
		// reconnect on a later flush, after a backoff.
		_ = g.conn.Close()
		g.conn = nil
		g.bo.failure(now)
		return
	}
	g.bo.success()
}

// dropFlush discards one flush's histogram windows (counters and gauges
// keep their values for the next) and counts it.
func (g *Graphite) dropFlush() {
	_, _ = g.write(io.Discard)
	g.dropped.Add(1)
}

// Stop sends what is pending (if carbon can be reached), stops the flushing
// goroutine and closes the connection. It waits for that last flush, which
// takes at most about twice Timeout (a dial, then the writes) when carbon is
// unreachable or stalled. It is safe to call more than once.
func (g *Graphite) Stop() {
	if g.stop == nil {
		return
	}
	g.once.Do(func() {
		close(g.stop)
		<-g.done
	})
}

// Sent returns the number of flushes written.
func (g *Graphite) Sent() uint64 { return g.sent.Load() }

// Dropped returns the number of flushes not written: carbon unreachable,
// waiting for a reconnection, or a failed write.
func (g *Graphite) Dropped() uint64 { return g.dropped.Load() }

// WriteTo writes one flush to w: every series' line, stamped with Now. A
// failed write counts as a dropped flush. The flushing goroutine uses it;
// call it yourself when New was given no address.
func (g *Graphite) WriteTo(w io.Writer) (int64, error) {
	n, err := g.write(w)
	if err != nil {
		g.dropped.Add(1)
	} else {
		g.sent.Add(1)
	}
	return n, err
}

// write writes one flush to w without counting it.
func (g *Graphite) write(w io.Writer) (int64, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	cw := &countingWriter{w: w}
	bw := bufio.NewWriter(cw)
	ts := g.s.Now().Unix()
	for _, f := range g.flush {
		f(bw, ts)
	}
	err := bw.Flush()
	return cw.n, err
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

func line(w *bufio.Writer, path string, v float64, ts int64) {
	var buf [64]byte
	_, _ = w.WriteString(path)
	b := append(buf[:0], ' ')
	b = strconv.AppendFloat(b, v, 'g', -1, 64)
	b = append(b, ' ')
	b = strconv.AppendInt(b, ts, 10)
	b = append(b, '\n')
	_, _ = w.Write(b)
}

// ValidName reports whether name can be used as a metric name.
func ValidName(name string) bool { return name != "" && !strings.ContainsAny(name, " \t\r\n") }

var replacer = strings.NewReplacer(".", "_", " ", "_", "\t", "_", "\r", "_", "\n", "_", "/", "_")

// path folds label pairs into the metric's path.
func (g *Graphite) path(name string, lvs []string) string {
	var b strings.Builder
	b.WriteString(g.s.Prefix)
	b.WriteString(name)
	for _, v := range lvs {
		b.WriteByte('.')
		if v == "" {
			v = "_"
		}
		b.WriteString(replacer.Replace(v))
	}
	return b.String()
}

func (g *Graphite) register(name string, flush func(w *bufio.Writer, ts int64)) error {
	if !ValidName(name) {
		return fmt.Errorf("%w: %q", ErrInvalidName, name)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.names[name] {
		return fmt.Errorf("%w: %q", ErrDuplicate, name)
	}
	g.names[name] = true
	g.flush = append(g.flush, flush)
	return nil
}

// Counter is a counter sent as a running total.
type Counter struct {
	lvs  []string
	path string
	bits atomic.Uint64
	// used is set by the first update: a child never updated itself (the
	// instrument used only through With, or an intermediate child on the
	// way to more labels) sends no series.
	used atomic.Bool
	fam  *lv.Family[Counter]
}

// NewCounter returns a counter named name.
func (g *Graphite) NewCounter(name string) (*Counter, error) {
	var fam *lv.Family[Counter]
	fam = lv.New(func(lvs []string) *Counter { return &Counter{lvs: lvs, path: g.path(name, lvs), fam: fam} })
	err := g.register(name, func(w *bufio.Writer, ts int64) {
		fam.Each(func(_ []string, c *Counter) {
			if c.used.Load() {
				line(w, c.path, math.Float64frombits(c.bits.Load()), ts)
			}
		})
	})
	if err != nil {
		return nil, err
	}
	return fam.Get(nil, nil), nil
}

// With returns the child with c's label values followed by labelValues.
func (c *Counter) With(labelValues ...string) metrics.Counter { return c.fam.Get(c.lvs, labelValues) }

// Add adds delta; NaN, ±Inf and negative deltas are dropped.
func (c *Counter) Add(delta float64) {
	if delta >= 0 && metrics.Valid(delta) {
		addFloat(&c.bits, delta)
		markUsed(&c.used)
	}
}

// markUsed sets used, reading first so that the hot path does not write
// the shared cache line again and again.
func markUsed(used *atomic.Bool) {
	if !used.Load() {
		used.Store(true)
	}
}

func addFloat(bits *atomic.Uint64, delta float64) {
	for {
		old := bits.Load()
		if bits.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+delta)) {
			return
		}
	}
}

// Gauge is a gauge sent as its current value.
type Gauge struct {
	lvs  []string
	path string
	bits atomic.Uint64
	used atomic.Bool // see Counter.used
	fam  *lv.Family[Gauge]
}

// NewGauge returns a gauge named name.
func (g *Graphite) NewGauge(name string) (*Gauge, error) {
	var fam *lv.Family[Gauge]
	fam = lv.New(func(lvs []string) *Gauge { return &Gauge{lvs: lvs, path: g.path(name, lvs), fam: fam} })
	err := g.register(name, func(w *bufio.Writer, ts int64) {
		fam.Each(func(_ []string, ga *Gauge) {
			if ga.used.Load() {
				line(w, ga.path, math.Float64frombits(ga.bits.Load()), ts)
			}
		})
	})
	if err != nil {
		return nil, err
	}
	return fam.Get(nil, nil), nil
}

// With returns the child with g's label values followed by labelValues.
func (g *Gauge) With(labelValues ...string) metrics.Gauge { return g.fam.Get(g.lvs, labelValues) }

// Set sets the value; NaN and ±Inf are dropped.
func (g *Gauge) Set(value float64) {
	if metrics.Valid(value) {
		g.bits.Store(math.Float64bits(value))
		markUsed(&g.used)
	}
}

// Add adds delta; NaN and ±Inf are dropped.
func (g *Gauge) Add(delta float64) {
	if metrics.Valid(delta) {
		addFloat(&g.bits, delta)
		markUsed(&g.used)
	}
}

// Histogram is sent as quantiles and a count of each flush window's
// observations.
type Histogram struct {
	lvs  []string
	path string
	s    sketch.Sketch
	fam  *lv.Family[Histogram]
}

// NewHistogram returns a histogram named name.
func (g *Graphite) NewHistogram(name string) (*Histogram, error) {
	suffixes := make([]string, len(g.s.Quantiles))
	for i, q := range g.s.Quantiles {
		suffixes[i] = ".p" + strings.ReplaceAll(strconv.FormatFloat(q*100, 'f', -1, 64), ".", "")
	}
	var fam *lv.Family[Histogram]
	fam = lv.New(func(lvs []string) *Histogram { return &Histogram{lvs: lvs, path: g.path(name, lvs), fam: fam} })
	err := g.register(name, func(w *bufio.Writer, ts int64) {
		fam.Each(func(_ []string, h *Histogram) {
			window := h.s.Reset()
			count, _ := window.Stats()
			if count == 0 {
				return
			}
			for i, v := range window.Quantiles(g.s.Quantiles) {
				line(w, h.path+suffixes[i], v, ts)
			}
			line(w, h.path+".count", float64(count), ts)
		})
	})
	if err != nil {
		return nil, err
	}
	return fam.Get(nil, nil), nil
}

// With returns the child with h's label values followed by labelValues.
func (h *Histogram) With(labelValues ...string) metrics.Histogram {
	return h.fam.Get(h.lvs, labelValues)
}

// Observe records value; NaN and ±Inf are dropped.
func (h *Histogram) Observe(value float64) {
	if metrics.Valid(value) {
		h.s.Observe(value)
	}
}
