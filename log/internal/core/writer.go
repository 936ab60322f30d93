package core

import (
	"log/slog"
	"time"
)

// Writer writes lines in the format of one Logger, with the pairs it binds.
// Begin returns a line holding the Logger's opening and bound prefix; Key
// appends a separator if needed and a key; the value methods append one
// value, as the Logger encodes a value of that type; Raw appends whole
// pairs encoded beforehand by a Writer of the same format on a line whose
// More was set, separators included; End appends the bound suffix and the
// closing, writes the line with one Write call and releases it. A Writer is
// safe for concurrent use when the Logger is; a Line belongs to one
// goroutine.
type Writer interface {
	Begin() *Line
	End(*Line) error
	Key(l *Line, key string)
	String(l *Line, s string)
	Int64(l *Line, i int64)
	Uint64(l *Line, u uint64)
	Float64(l *Line, f float64)
	Bool(l *Line, b bool)
	Duration(l *Line, d time.Duration)
	Time(l *Line, t time.Time)
	// RecordTime is Time for times that are mostly the current time, in
	// the local zone or UTC, such as a record's: it formats them through
	// the encoder's cache of the current second.
	RecordTime(l *Line, t time.Time)
	Any(l *Line, v any)
	Raw(l *Line, pairs []byte)
	// Attr writes a as a slog handler writes an attribute inside the
	// groups whose names prefix ends with (each followed by a dot):
	// LogValuers resolved, empty attributes and groups dropped, the
	// attributes of groups written with the group's name and a dot
	// before their keys, those of groups with an empty key inlined.
	Attr(l *Line, prefix string, a slog.Attr)
	// Value writes v, resolved, as the Logger writes the Go value the
	// slog.Value holds (as v.Any() returns it, but for integers and
	// floats of other sizes, which are int64, uint64 and float64).
	Value(l *Line, v slog.Value)
	// Pair is Raw(l, key) then Value(l, v), for a key encoded beforehand
	// with its separators, in one call.
	Pair(l *Line, key []byte, v slog.Value)
	// Keys returns the cache of keys encoded by this Writer for Pair,
	// shared by the Writers of one encoder.
	Keys() *Keys
}
