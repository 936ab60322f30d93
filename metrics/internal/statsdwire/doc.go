// Package statsdwire is the engine behind kit's StatsD and DogStatsD
// emitters: instruments that aggregate in memory, and a flush that writes
// their lines in packets of bounded size to a UDP socket on an interval.
//
// Counters are summed and gauges keep their last value between flushes, so
// their updates are an atomic operation and never touch the network;
// timings and histograms keep each sampled observation until the next flush
// (the daemon computes their percentiles), at most MaxBufferedObservations
// over the whole engine: past half of that an update asks for an early
// flush, past all of it the observation is dropped and counted. A write
// that fails or times out drops its packet and counts it; nothing waits for
// the network but the flushing goroutine.
package statsdwire
