// Package metricstest checks that a metrics backend keeps the contract of
// [metrics.Counter], [metrics.Gauge] and [metrics.Histogram]. Every backend in
// kit runs it from its tests; a backend written elsewhere can run it too.
//
// Each check takes the instrument under test and a function that reads a
// value back from the backend the way a user would see it (a Prometheus
// gather, an expvar read, the lines a StatsD emitter writes). The instruments
// must accept the label names "method" and "code"; the checks record under
// label values that no other check uses, so one instrument can serve several
// checks and a read sees only its own check's updates.
//
// What the checks require of a backend:
//
//   - Add and Set accumulate and replace as documented; With appends label
//     pairs to those a child already has, and an odd-length list gets
//     [metrics.UnknownLabelValue] as its last value;
//   - NaN and ±Inf values and negative counter deltas are dropped;
//   - updates from many goroutines are neither lost nor torn;
//   - a histogram reports the count of what it observed and, where it can,
//     their sum and quantiles close to the true ones.
package metricstest
