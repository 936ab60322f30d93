// Package expvar publishes metrics as standard library expvar variables, in
// an [expvar.Map] the caller passes in. Nothing is published in the process'
// global expvar namespace unless the caller does it, e.g. with
// expvar.Publish("metrics", m), which makes them appear on /debug/vars.
//
// An instrument named "requests" is the map key "requests", added by its
// constructor (which claims the name); its child with labels method=sum and
// code=200 is the key "requests{method=sum,code=200}", added at that
// child's first update. A child that is never updated, such as
// requests.With("method", "sum") on the way to .With("code", "200"), is not
// published. Counters and gauges are
// JSON numbers; a histogram is an object with its count, sum and the
// quantiles p50, p90, p95 and p99 (null while empty).
//
// Constructors fail with [ErrInvalidName] or [ErrDuplicate] rather than let
// one metric overwrite another. NaN and ±Inf values and negative counter
// deltas are dropped. Everything here is safe for concurrent use.
package expvar
