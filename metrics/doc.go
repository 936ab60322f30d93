// Package metrics defines three small instrument interfaces, [Counter],
// [Gauge] and [Histogram], that services and kit's middlewares record to.
// A service is instrumented once against these interfaces and wired to the
// house's backend in main; backends live in subpackages, each importing only
// the library it adapts.
//
// The interfaces and [discard] import only the standard library.
package metrics
