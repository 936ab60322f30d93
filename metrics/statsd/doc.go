// Package statsd emits kit's metrics to a StatsD daemon over UDP.
//
//	s, err := statsd.New("127.0.0.1:8125", statsd.Settings{Prefix: "addsvc."})
//	if err != nil { ... }
//	defer s.Stop() // flushes what is pending
//	requests, err := s.NewCounter("requests", 1)
//	latency, err := s.NewTiming("latency_ms", 0.1) // send one in ten
//	requests.With("method", "sum").Add(1)
//
// Counters are summed and gauges keep their last value in memory; every
// FlushInterval (and on Stop) a goroutine writes the changes as StatsD lines,
// packed into UDP packets of at most MaxPacketSize bytes. Timing
// observations are kept until the flush and sent one line each (the daemon
// computes percentiles). An update never waits for the network: a daemon
// that is down or slow costs dropped packets, counted by [Statsd.Dropped],
// not latency.
//
// Memory is bounded too. At most Settings.MaxBufferedObservations timing
// observations (65536 by default) are held between flushes, over every
// timing of a Statsd. A hot timing that fills half of that triggers a flush
// before the interval is up, so with a working flush nothing is lost; if
// the flush cannot keep up (a stalled socket, or WriteTo never called when
// New had no address), further observations are dropped, like a UDP
// packet the daemon never saw, and counted by [Statsd.DroppedObservations].
// Counters and gauges take constant memory per child and are never dropped.
//
// StatsD has no labels, so label pairs become part of the name: the child
// With("method", "sum") of counter "requests" is "requests.method.sum".
// Characters StatsD gives meaning to (":|@#", dots, spaces) in label names
// and values become "_".
//
// A sample rate r below 1 keeps each update with probability r and tells
// the daemon, which scales counts back up. NaN and ±Inf values and negative
// counter deltas are dropped. A negative gauge value is sent as "0" then the
// value, since StatsD reads a signed value as a change. Everything here is
// safe for concurrent use.
package statsd
