// Package statsdtest helps the StatsD and DogStatsD tests: it runs the
// reference StatsD daemon (the npm package statsd, run with node) on
// loopback and reads back what it aggregated, and it parses the lines an
// emitter writes.
package statsdtest
