// Package discard provides metrics that record nothing: the defaults wherever
// kit takes an optional instrument.
package discard
