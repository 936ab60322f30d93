// Package format appends the text of log lines' pieces to byte slices:
// integers and floats as strconv spells them, durations as
// time.Duration.String, times as RFC 3339 with nanoseconds (with a cache of
// the current second's text), and strings quoted and escaped for logfmt and
// JSON, with the word-at-a-time scans that find whether a string needs it.
// Each function is byte for byte the standard library's text, from shorter
// paths for the common cases, and allocates nothing.
//
// It is internal to kit's log packages: package log's encoders are its only
// users, and it imports nothing of kit. Everything here is safe for
// concurrent use; a StampCache may be shared.
package format
