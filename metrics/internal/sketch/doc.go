// Package sketch estimates quantiles of a stream of observations in bounded
// memory, with a relative error of at most 1%.
//
// Observations go into logarithmic buckets: bucket i holds values in
// (γ^(i-1), γ^i] with γ = 1.01/0.99, and reports their midpoint, which is
// within 1% of any of them. Memory grows with the logarithm of the range of
// observed values, not with their number: values from a nanosecond to a day
// use about 1,600 buckets. The same idea is published as DDSketch.
package sketch
