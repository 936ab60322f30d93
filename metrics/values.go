package metrics

import "math"

// UnknownLabelValue is the value kit's backends give the last label name of
// an odd-length label list passed to With: With("method") is read as
// With("method", "unknown").
const UnknownLabelValue = "unknown"

// Valid reports whether v is a value kit's backends record: NaN and ±Inf are
// not. Backends drop such values (and negative Counter deltas) rather than
// poisoning a sum or failing an exporter; see the package documentation.
func Valid(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
