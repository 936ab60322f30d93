// Package generic provides in-memory metrics that a program can read back:
// counters and gauges hold a float64, histograms estimate quantiles within
// 1% in bounded memory. They serve tests (record, then assert on Value or
// Quantile), small programs that print their own numbers, and backends that
// aggregate in memory before they emit.
//
// Each constructor returns an instrument without labels; With returns the
// child for a label list, the same child every time for the same list, and
// finding it again does not allocate. [Counter.Each] and friends visit every
// child.
//
//	requests := generic.NewCounter("requests")
//	requests.With("method", "sum").Add(1)
//	fmt.Println(requests.With("method", "sum").(*generic.Counter).Value())
//
// [SimpleHistogram] keeps only the mean of its observations, and
// [Histogram.Print] writes a histogram's summary for a terminal; both are Go
// kit's, as is NewHistogram's ignored bucket count.
//
// Following the package metrics contract, NaN and ±Inf values and negative
// counter deltas are dropped. Everything here is safe for concurrent use;
// counters and gauges are lock-free.
package generic
