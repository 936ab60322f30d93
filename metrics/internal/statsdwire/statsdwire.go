package statsdwire

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/endpointkit/kit/metrics"
	"github.com/endpointkit/kit/metrics/internal/lv"
)

// Errors are the sentinel errors of the public package, which wraps them.
type Errors struct {
	InvalidName, InvalidSampleRate, Duplicate error
}

// Config is what the public packages pass to New.
type Config struct {
	Name          string // the public package's name, for error messages
	Prefix        string
	FlushInterval time.Duration // zero means 1s
	MaxPacketSize int           // zero means 1432
	// MaxBufferedObservations bounds the observations held, over every
	// histogram, until the next flush. Zero means
	// DefaultMaxBufferedObservations; beyond it observations are dropped
	// and counted.
	MaxBufferedObservations int
	// Format returns the text before ":" of a child's lines, and the text
	// appended after its type and sample rate (DogStatsD tags).
	Format func(name string, labelValues []string) (key, suffix string)
	// ValidName reports whether a metric name can be used.
	ValidName func(name string) bool
	Errors    Errors
}

// Engine holds the instruments and flushes them. It is safe for concurrent
// use.
type Engine struct {
	cfg Config

	mu    sync.Mutex // guards names, flush; held for a whole flush
	names map[string]bool
	flush []func(*packer)

	sent, dropped atomic.Uint64

	// buffered counts the observations held by histograms (not those a
	// running flush has taken); an Observe reserves its place here first,
	// so it never exceeds maxBuffered.
	buffered    atomic.Int64
	maxBuffered int64
	droppedObs  atomic.Uint64

	conn net.Conn
	kick chan struct{} // asks the loop for an early flush; nil without one
	stop chan struct{}
	done chan struct{}
	once sync.Once
}

// New returns an Engine. If addr is not empty it dials UDP to addr and
// starts a goroutine that flushes every interval until Stop.
func New(addr string, cfg Config) (*Engine, error) {
	if cfg.FlushInterval <= 0 {
		cfg.FlushInterval = time.Second
	}
	if cfg.MaxPacketSize <= 0 {
		cfg.MaxPacketSize = 1432
	}
	if cfg.MaxBufferedObservations <= 0 {
		cfg.MaxBufferedObservations = DefaultMaxBufferedObservations
	}
	e := &Engine{cfg: cfg, names: map[string]bool{}, maxBuffered: int64(cfg.MaxBufferedObservations)}
	if addr == "" {
		return e, nil
	}
	conn, err := net.Dial("udp", addr)
	if err != nil {
		return nil, fmt.Errorf("%s: address %q: %w", cfg.Name, addr, err)
	}
	e.conn, e.stop, e.done = conn, make(chan struct{}), make(chan struct{})
	e.kick = make(chan struct{}, 1)
	go e.loop()
	return e, nil
}

func (e *Engine) loop() {
	defer close(e.done)
	t := time.NewTicker(e.cfg.FlushInterval)
	defer t.Stop()
	w := &deadlineWriter{conn: e.conn, timeout: e.cfg.FlushInterval}
	for {
		select {
		case <-t.C:
			_, _ = e.WriteTo(w)
		case <-e.kick:
			_, _ = e.WriteTo(w)
		case <-e.stop:
			_, _ = e.WriteTo(w)
			return
		}
	}
}

// deadlineWriter bounds each write so that a stuck socket cannot hold the
// flush (and the next one) forever.
type deadlineWriter struct {
	conn    net.Conn
	timeout time.Duration
}

func (w *deadlineWriter) Write(p []byte) (int, error) {
	_ = w.conn.SetWriteDeadline(time.Now().Add(w.timeout))
	return w.conn.Write(p)
}

// Stop flushes what is pending, stops the flushing goroutine and closes the
// socket. It is safe to call more than once; updates after Stop are kept in
// memory and never sent unless WriteTo is called.
func (e *Engine) Stop() {
	if e.conn == nil {
		return
	}
	e.once.Do(func() {
		close(e.stop)
		<-e.done
		_ = e.conn.Close()
	})
}

// DefaultMaxBufferedObservations is the bound on buffered observations
// when the configuration gives none: 64Ki float64s, 512 KiB, enough for
// 65 536 observations a second at the default interval before an early
// flush is needed.
const DefaultMaxBufferedObservations = 1 << 16

// Buffered returns the number of observations held until the next flush.
func (e *Engine) Buffered() int { return int(e.buffered.Load()) }

// DroppedObservations returns the number of observations dropped because
// MaxBufferedObservations were already held.
func (e *Engine) DroppedObservations() uint64 { return e.droppedObs.Load() }

// Sent and Dropped count packets written and packets whose write failed.
func (e *Engine) Sent() uint64    { return e.sent.Load() }
func (e *Engine) Dropped() uint64 { return e.dropped.Load() }

// WriteTo writes every pending line to w, packed into packets of at most
// MaxPacketSize bytes, one Write per packet. A line longer than that goes
// alone in its packet. A failed Write drops that packet (counted) and the
// flush goes on with the next; the error returned is the first one seen.
func (e *Engine) WriteTo(w io.Writer) (int64, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	p := &packer{w: w, max: e.cfg.MaxPacketSize, e: e}
	for _, f := range e.flush {
		f(p)
	}
	p.send()
	return p.n, p.err
}

// packer accumulates lines into one packet.
type packer struct {
	w   io.Writer
	max int
	e   *Engine
	buf []byte
	n   int64
	err error
}

// line adds key:value|typ[|@rate]suffix.
func (p *packer) line(key string, value float64, typ string, rate float64, suffix string) {
	start := len(p.buf)
	p.buf = append(p.buf, key...)
	p.buf = append(p.buf, ':')
	p.buf = strconv.AppendFloat(p.buf, value, 'g', -1, 64)
	p.buf = append(p.buf, '|')
	p.buf = append(p.buf, typ...)
	if rate < 1 {
		p.buf = append(p.buf, "|@"...)
		p.buf = strconv.AppendFloat(p.buf, rate, 'g', -1, 64)
	}
	p.buf = append(p.buf, suffix...)
	p.buf = append(p.buf, '\n')
	if len(p.buf) > p.max && start > 0 {
		// The new line does not fit: send what was there, keep the line.
		line := append([]byte(nil), p.buf[start:]...)
		p.buf = p.buf[:start]
		p.send()
		p.buf = append(p.buf, line...)
	}
}

func (p *packer) send() {
	if len(p.buf) == 0 {
		return
	}
	n, err := p.w.Write(p.buf)
	p.n += int64(n)
	if err != nil {
		p.e.dropped.Add(1)
		if p.err == nil {
			p.err = err
		}
	} else {
		p.e.sent.Add(1)
	}
	p.buf = p.buf[:0]
}

func (e *Engine) register(name string, rate float64, add func(*packer)) error {
	if !e.cfg.ValidName(name) {
		return fmt.Errorf("%w: %q", e.cfg.Errors.InvalidName, name)
	}
	if !(rate > 0 && rate <= 1) {
		return fmt.Errorf("%w: %v (want 0 < rate ≤ 1)", e.cfg.Errors.InvalidSampleRate, rate)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.names[name] {
		return fmt.Errorf("%w: %q", e.cfg.Errors.Duplicate, name)
	}
	e.names[name] = true
	e.flush = append(e.flush, add)
	return nil
}

// sampled reports whether an update at rate is kept. Callers test rate < 1
// first, which saves the call when nothing is sampled.
func sampled(rate float64) bool { return rand.Float64() < rate }

// Counter sums deltas between flushes.
type Counter struct {
	lvs         []string
	key, suffix string
	rate        float64
	bits        atomic.Uint64
	fam         *lv.Family[Counter]
}

// NewCounter registers a counter; lines have type "c".
func (e *Engine) NewCounter(name string, rate float64) (*Counter, error) {
	var fam *lv.Family[Counter]
	fam = lv.New(func(lvs []string) *Counter {
		key, suffix := e.cfg.Format(e.cfg.Prefix+name, lvs)
		return &Counter{lvs: lvs, key: key, suffix: suffix, rate: rate, fam: fam}
	})
	err := e.register(name, rate, func(p *packer) {
		fam.Each(func(_ []string, c *Counter) {
			if v := math.Float64frombits(c.bits.Swap(0)); v != 0 {
				p.line(c.key, v, "c", c.rate, c.suffix)
			}
		})
	})
	if err != nil {
		return nil, err
	}
	return fam.Get(nil, nil), nil
}

// With returns the child for c's labels followed by labelValues.
func (c *Counter) With(labelValues ...string) metrics.Counter { return c.fam.Get(c.lvs, labelValues) }

// Add adds delta, subject to the sample rate; NaN, ±Inf and negative deltas
// are dropped.
func (c *Counter) Add(delta float64) {
	if !(delta >= 0 && delta <= math.MaxFloat64) || c.rate < 1 && !sampled(c.rate) {
		return
	}
	addFloat(&c.bits, delta)
}

func addFloat(bits *atomic.Uint64, delta float64) {
	for {
		old := bits.Load()
		if bits.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+delta)) {
			return
		}
	}
}

// Gauge keeps its last value and sends it if it changed since the last
// flush.
type Gauge struct {
	lvs         []string
	key, suffix string
	bits        atomic.Uint64
	dirty       atomic.Bool
	fam         *lv.Family[Gauge]
}

// NewGauge registers a gauge; lines have type "g".
func (e *Engine) NewGauge(name string) (*Gauge, error) {
	var fam *lv.Family[Gauge]
	fam = lv.New(func(lvs []string) *Gauge {
		key, suffix := e.cfg.Format(e.cfg.Prefix+name, lvs)
		return &Gauge{lvs: lvs, key: key, suffix: suffix, fam: fam}
	})
	err := e.register(name, 1, func(p *packer) {
		fam.Each(func(_ []string, g *Gauge) {
			if !g.dirty.Swap(false) {
				return
			}
			v := math.Float64frombits(g.bits.Load())
			if v < 0 {
				// A signed value is a delta to StatsD; a negative
				// absolute value must be sent as zero, then the delta.
				p.line(g.key, 0, "g", 1, g.suffix)
			}
			p.line(g.key, v, "g", 1, g.suffix)
		})
	})
	if err != nil {
		return nil, err
	}
	return fam.Get(nil, nil), nil
}

// With returns the child for g's labels followed by labelValues.
func (g *Gauge) With(labelValues ...string) metrics.Gauge { return g.fam.Get(g.lvs, labelValues) }

// Set sets the value; NaN and ±Inf are dropped.
func (g *Gauge) Set(value float64) {
	if metrics.Valid(value) {
		g.bits.Store(math.Float64bits(value))
		g.dirty.Store(true)
	}
}

// Add adds delta to the value; NaN and ±Inf are dropped.
func (g *Gauge) Add(delta float64) {
	if metrics.Valid(delta) {
		addFloat(&g.bits, delta)
		g.dirty.Store(true)
	}
}

// Histogram keeps sampled observations until the next flush.
type Histogram struct {
	lvs         []string
	key, suffix string
	typ         string
	rate        float64
	mu          sync.Mutex // guards obs
	obs         []float64
	spare       []float64 // reused by flush, so steady state does not allocate
	e           *Engine
	fam         *lv.Family[Histogram]
}

// NewHistogram registers a histogram whose lines have type typ ("ms", "h",
// "d").
func (e *Engine) NewHistogram(name, typ string, rate float64) (*Histogram, error) {
	var fam *lv.Family[Histogram]
	fam = lv.New(func(lvs []string) *Histogram {
		key, suffix := e.cfg.Format(e.cfg.Prefix+name, lvs)
		return &Histogram{lvs: lvs, key: key, suffix: suffix, typ: typ, rate: rate, e: e, fam: fam}
	})
	err := e.register(name, rate, func(p *packer) {
		fam.Each(func(_ []string, h *Histogram) {
			h.mu.Lock()
			obs := h.obs
			h.obs, h.spare = h.spare[:0], nil
			h.mu.Unlock()
			// The places are free as soon as the slice is taken: what
			// is held for the next flush starts from zero again.
			e.buffered.Add(-int64(len(obs)))
			for _, v := range obs {
				p.line(h.key, v, h.typ, h.rate, h.suffix)
			}
			// Keep the slice for reuse unless a burst left it much
			// larger than this flush needed, so that a spike does not
			// pin its memory for good.
			if cap(obs) > 4*len(obs)+64 {
				obs = nil
			}
			h.mu.Lock()
			if h.spare == nil {
				h.spare = obs[:0]
			}
			h.mu.Unlock()
		})
	})
	if err != nil {
		return nil, err
	}
	return fam.Get(nil, nil), nil
}

// With returns the child for h's labels followed by labelValues.
func (h *Histogram) With(labelValues ...string) metrics.Histogram {
	return h.fam.Get(h.lvs, labelValues)
}

// Observe records value, subject to the sample rate; NaN and ±Inf are
// dropped. When MaxBufferedObservations are held it drops value and counts
// it; when half are, it asks the flushing goroutine (if any) for an early
// flush, without waiting for it.
func (h *Histogram) Observe(value float64) {
	if !metrics.Valid(value) || h.rate < 1 && !sampled(h.rate) {
		return
	}
	e := h.e
	// Reserve a place with a compare-and-swap rather than an add that is
	// undone, so that Buffered never reads above the bound.
	n := e.buffered.Load()
	for {
		if n >= e.maxBuffered {
			e.droppedObs.Add(1)
			return
		}
		if e.buffered.CompareAndSwap(n, n+1) {
			n++
			break
		}
		n = e.buffered.Load()
	}
	if n > e.maxBuffered/2 {
		// Cheap when the request is already pending: a non-blocking
		// send on a full channel takes no lock.
		select {
		case e.kick <- struct{}{}:
		default: // a flush is already asked for, or there is no loop
		}
	}
	h.mu.Lock()
	h.obs = append(h.obs, value)
	h.mu.Unlock()
}
