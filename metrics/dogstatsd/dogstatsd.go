package dogstatsd

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
	// a character the protocol gives meaning to (":|@#", whitespace).
	ErrInvalidName = errors.New("dogstatsd: invalid metric name")
	// ErrInvalidSampleRate is returned for a rate outside (0, 1].
	ErrInvalidSampleRate = errors.New("dogstatsd: invalid sample rate")
	// ErrDuplicate is returned for a name already used in this Dogstatsd.
	ErrDuplicate = errors.New("dogstatsd: duplicate metric name")
)

// Settings configures a Dogstatsd. The zero value is ready to use.
type Settings struct {
	// Prefix is prepended to every metric name, e.g. "addsvc.".
	Prefix string
	// Tags are name/value pairs added to every line, before a child's own.
	// An odd-length list gets metrics.UnknownLabelValue as its last value.
	Tags []string
	// FlushInterval is how often pending updates are sent. Zero means 1s.
	FlushInterval time.Duration
	// MaxPacketSize is the largest UDP payload written. Zero means 1432
	// bytes; the Datadog agent reads up to 8192 by default. A single line
	// longer than this is sent alone.
	MaxPacketSize int
	// MaxBufferedObservations bounds the timing and histogram observations
	// held in memory until the next flush, over every instrument of this
	// Dogstatsd. Zero means 65536 (512 KiB of values). Once half are held
	// an observation asks for an early flush; once all are held (the flush
	// is slow, stalled or, without an address, not called) observations
	// are dropped and counted by DroppedObservations. Memory for
	// observations stays within a small multiple of the bound: those held,
	// those a running flush is writing, and buffers kept for reuse.
	MaxBufferedObservations int
}

// Dogstatsd holds instruments and sends them to a DogStatsD agent. It is
// safe for concurrent use.
type Dogstatsd struct{ e *statsdwire.Engine }

// New returns a Dogstatsd that sends to the UDP address addr from a
// goroutine started here, until Stop. With an empty addr nothing is started,
// and the caller sends with WriteTo.
func New(addr string, s Settings) (*Dogstatsd, error) {
	global := append([]string(nil), s.Tags...)
	if len(global)%2 == 1 {
		global = append(global, metrics.UnknownLabelValue)
	}
	e, err := statsdwire.New(addr, statsdwire.Config{
		Name:   "dogstatsd",
		Prefix: s.Prefix, FlushInterval: s.FlushInterval, MaxPacketSize: s.MaxPacketSize,
		MaxBufferedObservations: s.MaxBufferedObservations,
		Format: func(name string, lvs []string) (string, string) {
			return name, tags(append(global[:len(global):len(global)], lvs...))
		},
		ValidName: ValidName,
		Errors:    statsdwire.Errors{InvalidName: ErrInvalidName, InvalidSampleRate: ErrInvalidSampleRate, Duplicate: ErrDuplicate},
	})
	if err != nil {
		return nil, err
	}
	return &Dogstatsd{e: e}, nil
}

// ValidName reports whether name can name a DogStatsD metric.
func ValidName(name string) bool {
	return name != "" && !strings.ContainsAny(name, ":|@# \t\r\n")
}

var (
	nameReplacer  = strings.NewReplacer(",", "_", "|", "_", "#", "_", ":", "_", "\r", "_", "\n", "_")
	valueReplacer = strings.NewReplacer(",", "_", "|", "_", "#", "_", "\r", "_", "\n", "_")
)

// tags renders pairs as "|#name:value,...", or "" when there are none.
func tags(lvs []string) string {
	if len(lvs) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("|#")
	for i := 0; i+1 < len(lvs); i += 2 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(nameReplacer.Replace(lvs[i]))
		b.WriteByte(':')
		b.WriteString(valueReplacer.Replace(lvs[i+1]))
	}
	return b.String()
}

// NewCounter returns a counter (type "c"), keeping each update with
// probability sampleRate.
func (d *Dogstatsd) NewCounter(name string, sampleRate float64) (metrics.Counter, error) {
	c, err := d.e.NewCounter(name, sampleRate)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// NewGauge returns a gauge (type "g").
func (d *Dogstatsd) NewGauge(name string) (metrics.Gauge, error) {
	g, err := d.e.NewGauge(name)
	if err != nil {
		return nil, err
	}
	return g, nil
}

// NewTiming returns a histogram sent as timings (type "ms", milliseconds),
// keeping each observation with probability sampleRate.
func (d *Dogstatsd) NewTiming(name string, sampleRate float64) (metrics.Histogram, error) {
	h, err := d.e.NewHistogram(name, "ms", sampleRate)
	if err != nil {
		return nil, err
	}
	return h, nil
}

// NewHistogram returns a histogram sent as DogStatsD histograms (type "h"),
// keeping each observation with probability sampleRate. Plain StatsD
// daemons do not know type "h"; use NewTiming for them.
func (d *Dogstatsd) NewHistogram(name string, sampleRate float64) (metrics.Histogram, error) {
	h, err := d.e.NewHistogram(name, "h", sampleRate)
	if err != nil {
		return nil, err
	}
	return h, nil
}

// NewDistribution returns a histogram sent as DogStatsD distributions
// (type "d"), keeping each observation with probability sampleRate. The
// agent forwards the observations rather than aggregating them per host, so
// that Datadog computes quantiles over every host sending the metric. Plain
// StatsD daemons do not know type "d".
func (d *Dogstatsd) NewDistribution(name string, sampleRate float64) (metrics.Histogram, error) {
	h, err := d.e.NewHistogram(name, "d", sampleRate)
	if err != nil {
		return nil, err
	}
	return h, nil
}

// WriteTo writes every pending line to w, in packets of at most
// MaxPacketSize bytes, one Write call per packet.
func (d *Dogstatsd) WriteTo(w io.Writer) (int64, error) { return d.e.WriteTo(w) }

// Stop sends what is pending and stops the flushing goroutine. It is safe to
// call more than once.
func (d *Dogstatsd) Stop() { d.e.Stop() }

// Sent returns the number of packets written.
func (d *Dogstatsd) Sent() uint64 { return d.e.Sent() }

// Dropped returns the number of packets whose write failed.
func (d *Dogstatsd) Dropped() uint64 { return d.e.Dropped() }

// DroppedObservations returns the number of timing and histogram
// observations dropped because MaxBufferedObservations were held.
func (d *Dogstatsd) DroppedObservations() uint64 { return d.e.DroppedObservations() }
