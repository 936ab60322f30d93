// Package graphite emits kit's metrics to Graphite (carbon) in its plaintext
// protocol over TCP: one "path value timestamp" line per series, every
// FlushInterval and on Stop.
//
//	g, err := graphite.New("127.0.0.1:2003", graphite.Settings{Prefix: "addsvc."})
//	if err != nil { ... }
//	defer g.Stop() // sends what is pending
//	requests, err := g.NewCounter("requests")
//	requests.With("method", "sum").Add(1) // addsvc.requests.method.sum
//
// Counters are sent as running totals (graph them with
// nonNegativeDerivative), gauges as their current value, histograms as the
// configured quantiles of what was observed since the previous flush, plus
// the count of those observations: "latency.p50", "latency.p99",
// "latency.count". A series is sent once it has been updated: an instrument
// used only through With sends only its children. Label pairs become path components, as in package
// statsd; characters that would break a path or a line become "_".
//
// Updates stay in memory and never touch the network; a goroutine writes
// them. When carbon is down or goes away, that goroutine reconnects with
// exponential backoff between MinBackoff and MaxBackoff, and the flushes it
// could not write are counted by [Graphite.Dropped] (the next flush carries
// counters' and gauges' current values again; the lost histogram windows
// are gone).
//
// NaN and ±Inf values and negative counter deltas are dropped. Everything
// here is safe for concurrent use.
package graphite
