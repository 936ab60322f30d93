// Package multi provides instruments that forward every update to several
// others: a service can report to Prometheus and StatsD at once while it
// moves from one to the other.
//
// With calls With on every member and so costs what the members' With cost
// together, plus one allocation for the new slice; bind labels once where the
// path is hot. A multi instrument is as safe for concurrent use as its
// members.
package multi
