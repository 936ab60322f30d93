package statsdwire

import (
	"fmt"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"
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
