// Package dogstatsd emits kit's metrics to a DogStatsD agent (or any StatsD
// daemon that reads DogStatsD tags) over UDP, turning label pairs into tags.
//
//	d, err := dogstatsd.New("127.0.0.1:8125", dogstatsd.Settings{
//		Prefix: "addsvc.", Tags: []string{"env", "prod"},
//	})
//	if err != nil { ... }
//	defer d.Stop() // flushes what is pending
//	requests, err := d.NewCounter("requests", 1)
//	requests.With("method", "sum").Add(1) // requests:1|c|#env:prod,method:sum
//
// It works as package statsd does: counters summed and gauges kept in
// memory, observations kept until the flush, everything written every
// FlushInterval (and on Stop) in UDP packets of at most MaxPacketSize bytes,
// from a goroutine, so that an absent or slow agent drops packets (counted
// by [Dogstatsd.Dropped]) instead of slowing callers.
//
// Memory is bounded: at most Settings.MaxBufferedObservations observations
// (65536 by default) of timings, histograms and distributions are held
// between flushes. Half of that triggers an early flush; beyond all of it
// (a stalled flush, or WriteTo never called without an address) an
// observation is dropped and counted by [Dogstatsd.DroppedObservations].
//
// The label pairs of a child and Settings.Tags become tags "name:value", in
// that order after the global ones. Characters that would break a line or a
// tag list (",|#" and line breaks, and ":" in a tag name) become "_".
//
// Histograms come in the protocol's three kinds: NewTiming (type "ms"),
// NewHistogram ("h", aggregated by the agent on each host) and
// NewDistribution ("d", aggregated by Datadog over every host, for global
// quantiles).
//
// A sample rate r below 1 keeps each update with probability r and tells
// the agent. NaN and ±Inf values and negative counter deltas are dropped. A
// negative gauge value is sent as "0" then the value. Everything here is
// safe for concurrent use.
package dogstatsd
