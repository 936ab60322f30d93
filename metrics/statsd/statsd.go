package statsd

import (
	"errors"
	"io"
	"strings"
	"time"

	"github.com/endpointkit/kit/metrics"
	"github.com/endpointkit/kit/metrics/internal/statsdwire"
)

var (
	// ErrInvalidName is returned for an empty metric name or one containing
	// a character StatsD gives meaning to (":|@#", whitespace).
	ErrInvalidName = errors.New("statsd: invalid metric name")
	// ErrInvalidSampleRate is returned for a rate outside (0, 1].
	ErrInvalidSampleRate = errors.New("statsd: invalid sample rate")
	// ErrDuplicate is returned for a name already used in this Statsd.
	ErrDuplicate = errors.New("statsd: duplicate metric name")
)

// Settings configures a Statsd. The zero value is ready to use.
type Settings struct {
	// Prefix is prepended to every metric name, e.g. "addsvc.".
	Prefix string
	// FlushInterval is how often pending updates are sent. Zero means 1s.
	FlushInterval time.Duration
	// MaxPacketSize is the largest UDP payload written. Zero means 1432
	// bytes, which fits an Ethernet frame. A single line longer than this
	// is sent alone.
	MaxPacketSize int
	// MaxBufferedObservations bounds the timing and histogram observations
	// held in memory until the next flush, over every instrument of this
	// Statsd. Zero means 65536 (512 KiB of values). Once half are held
	// an observation asks for an early flush; once all are held (the flush
	// is slow, stalled or, without an address, not called) observations
	// are dropped and counted by DroppedObservations. Memory for
	// observations stays within a small multiple of the bound: those held,
	// those a running flush is writing, and buffers kept for reuse.
	MaxBufferedObservations int
}

// Statsd holds instruments and sends them to a StatsD daemon. It is safe for
// concurrent use.
type Statsd struct{ e *statsdwire.Engine }

// New returns a Statsd that sends to the UDP address addr from a goroutine
// started here, until Stop. With an empty addr nothing is started, and the
// caller sends with WriteTo. Only a malformed address is an error: UDP does
// not know whether a daemon listens.
func New(addr string, s Settings) (*Statsd, error) {
	e, err := statsdwire.New(addr, statsdwire.Config{
		Name:   "statsd",
		Prefix: s.Prefix, FlushInterval: s.FlushInterval, MaxPacketSize: s.MaxPacketSize,
		MaxBufferedObservations: s.MaxBufferedObservations,
		Format:                  format,
		ValidName:               ValidName,
		Errors:                  statsdwire.Errors{InvalidName: ErrInvalidName, InvalidSampleRate: ErrInvalidSampleRate, Duplicate: ErrDuplicate},
	})
	if err != nil {
		return nil, err
	}
	return &Statsd{e: e}, nil
}

// ValidName reports whether name can name a StatsD metric.
func ValidName(name string) bool {
	return name != "" && !strings.ContainsAny(name, ":|@# \t\r\n")
}

var replacer = strings.NewReplacer(":", "_", "|", "_", "@", "_", "#", "_", ".", "_", " ", "_", "\t", "_", "\r", "_", "\n", "_")

// format folds label pairs into the name.
func format(name string, lvs []string) (string, string) {
	var b strings.Builder
	b.WriteString(name)
	for _, v := range lvs {
		b.WriteByte('.')
		b.WriteString(replacer.Replace(v))
	}
	return b.String(), ""
}

// NewCounter returns a counter sent as StatsD type "c", keeping each update
// with probability sampleRate.
func (s *Statsd) NewCounter(name string, sampleRate float64) (metrics.Counter, error) {
	c, err := s.e.NewCounter(name, sampleRate)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// NewGauge returns a gauge sent as StatsD type "g".
func (s *Statsd) NewGauge(name string) (metrics.Gauge, error) {
	g, err := s.e.NewGauge(name)
	if err != nil {
		return nil, err
	}
	return g, nil
}

// NewTiming returns a histogram whose observations are sent as StatsD timings
// (type "ms"), keeping each with probability sampleRate. StatsD expects
// milliseconds: record with a metrics.Timer whose Unit is time.Millisecond.
func (s *Statsd) NewTiming(name string, sampleRate float64) (metrics.Histogram, error) {
	h, err := s.e.NewHistogram(name, "ms", sampleRate)
	if err != nil {
		return nil, err
	}
	return h, nil
}

// WriteTo writes every pending line to w, in packets of at most
// MaxPacketSize bytes, one Write call per packet. The flushing goroutine uses
// it; call it yourself when New was given no address.
func (s *Statsd) WriteTo(w io.Writer) (int64, error) { return s.e.WriteTo(w) }

// Stop sends what is pending and stops the flushing goroutine. It is safe to
// call more than once.
func (s *Statsd) Stop() { s.e.Stop() }

// Sent returns the number of packets written.
func (s *Statsd) Sent() uint64 { return s.e.Sent() }

// Dropped returns the number of packets whose write failed (no daemon
// listening, a full socket buffer, a write that timed out).
func (s *Statsd) Dropped() uint64 { return s.e.Dropped() }

// DroppedObservations returns the number of timing and histogram
// observations dropped because MaxBufferedObservations were held.
func (s *Statsd) DroppedObservations() uint64 { return s.e.DroppedObservations() }
