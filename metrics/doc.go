// Package metrics defines three small instrument interfaces, [Counter],
// [Gauge] and [Histogram], that services and kit's middlewares record to.
// A service is instrumented once against these interfaces and wired to the
// house's backend in main; backends live in subpackages, each importing only
// the library it adapts:
//
//   - prometheus: client_golang, with a Registerer passed in;
//   - otel: an OpenTelemetry metric.Meter;
//   - statsd, dogstatsd: buffered UDP emitters;
//   - graphite: the plaintext protocol over TCP;
//   - expvar: the standard library's expvar, in a Map passed in;
//   - generic: in memory, readable back, with quantiles;
//   - discard: records nothing; multi: forwards to several.
//
// [Timer] and [Time] measure a call into a Histogram, in seconds.
// Package instrument records request metrics (HTTP, gRPC, Endpoint calls)
// under the names promhttp, go-grpc-prometheus or OpenTelemetry's semantic
// conventions give them, over these interfaces.
// Package metricstest holds the conformance checks every backend runs.
//
// # Labels
//
// With takes label name/value pairs and returns a child instrument; a
// child's With appends to its pairs. kit's backends return the same child
// for the same list, found again without allocating, so
// counter.With("method", "sum").Add(1) on a hot path costs a hash of the
// strings. (Through an interface value whose concrete type the compiler
// cannot see, the variadic slice itself escapes to the heap: bind the labels
// once where that matters.) An odd-length list gets [UnknownLabelValue] as
// its last value.
//
// # Bad values
//
// kit's backends drop NaN and ±Inf values and negative counter deltas:
// they would poison a sum, fail an exporter or (in client_golang) panic. A
// constructor given an invalid or duplicate name returns an error; run-time
// updates never panic and never block on the network.
//
// The interfaces, [Timer], discard, generic, multi, expvar, statsd,
// dogstatsd and graphite import only the standard library.
package metrics
