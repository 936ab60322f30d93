// Package otel adapts kit's metrics to OpenTelemetry: counters, gauges and
// histograms are instruments of a metric.Meter the caller passes in, and
// label pairs become attributes. Which SDK, views and exporters (OTLP,
// Prometheus, stdout) turn them into data is the caller's choice, made where
// the MeterProvider is built.
//
//	meter := provider.Meter("addsvc")
//	requests, err := otel.NewCounter(meter, "requests", metric.WithUnit("{request}"))
//	if err != nil { ... } // an invalid instrument name
//	requests.With("method", "sum").Add(1)
//
// With finds the attribute set of a label list it has seen before without
// allocating; the update then costs what the SDK's own does. kit's
// interfaces carry no context, so updates are recorded with
// context.Background(): exemplars that need a span's context are not
// recorded.
//
// A Gauge keeps its value in the adapter, so that Add (which OpenTelemetry's
// synchronous gauge lacks) can record the sum; Set and Add on one child are
// serialised. NaN and ±Inf values and negative counter deltas are dropped.
// Everything here is safe for concurrent use.
package otel
