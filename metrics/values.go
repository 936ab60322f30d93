package metrics

// UnknownLabelValue is the value kit's backends give the last label name of
// an odd-length label list passed to With: With("method") is read as
// With("method", "unknown").
const UnknownLabelValue = "unknown"

// Valid reports whether v is a value kit's backends record: NaN and ±Inf are
// not. Backends drop such values (and negative Counter deltas) rather than
// poisoning a sum or failing an exporter; see the package documentation.
//
// It is one subtraction and one comparison: v-v is 0 for every finite v and
// NaN for NaN and ±Inf, and NaN equals nothing.
func Valid(v float64) bool { return v-v == 0 }
