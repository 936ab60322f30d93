package graphite

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"
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
