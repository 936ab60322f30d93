// Package prometheus adapts kit's metrics to Prometheus' client_golang:
// counters, gauges, histograms and summaries registered with a
// prometheus.Registerer that the caller passes in. Nothing is registered in
// client_golang's global registry unless the caller passes
// prometheus.DefaultRegisterer.
//
//	reg := prometheus.NewRegistry()
//	requests, err := kitprom.NewCounterFrom(reg, prometheus.CounterOpts{
//		Name: "requests_total", Help: "Requests served.",
//	}, []string{"method", "code"})
//	if err != nil { ... } // a duplicate or an invalid name or label name
//	requests.With("method", "sum", "code", "200").Add(1)
//	http.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
//
// # Errors
//
// The *From constructors register the collector and return an error wrapping
// [ErrRegistration] (and client_golang's own error, such as
// prometheus.AlreadyRegisteredError) when it is refused: a duplicate, an
// invalid metric or label name. Go kit panicked there, at start-up at best.
//
// At run time, With takes name/value pairs. A name the instrument was not
// built with, or a value client_golang refuses (invalid UTF-8), makes that
// child drop its updates, and the error goes to the handler set by
// [ErrorHandler] at the child's first update (about once per label list).
// Without an ErrorHandler, an unknown label name (a typo in the program)
// panics at that first update, with an error wrapping [ErrUnknownLabel]:
// loudly, once, where a test will see it; a refused value is discarded.
// A child whose labels name every label of the instrument has its series
// created when With first sees them, as client_golang's WithLabelValues
// does. A child missing some (the instrument used only through With, or
// requests.With("method", "sum") on the way to .With("code", "200")) has
// its series created at its first update only, so that one never updated
// shows no empty-labelled series in the exposition. Label names not given get the
// empty value, as in Prometheus itself. NaN and ±Inf values and negative
// counter deltas are dropped (client_golang would panic on the latter).
//
// # Performance
//
// With finds the child for a label list it has seen before without
// allocating or locking (a hash of the label values and a probe of an
// immutable table), and the child holds client_golang's metric directly:
// an update is a check of the value and one call to client_golang, and
// Add(1) on a counter calls Inc. Bind labels once
// (c := requests.With(...)) where a path is hot. Everything here is safe
// for concurrent use.
package prometheus
