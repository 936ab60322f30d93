// Package core holds what kit's log packages share beneath their APIs: the
// one interface by which log, level and slogbridge see through each other's
// Loggers ([Hooks]), the typed line [Writer] that lets level and slogbridge
// write values into one of package log's encoders without boxing them, the
// level helpers' cache ([Slots]), and the pools of line and keyvals
// buffers ([GetLine], [GetKeyvals]).
//
// It is internal to kit's log packages and imports nothing of kit: log,
// level and slogbridge import it, and it imports none of them, so every
// reference inside the log folder points down to it.
package core

import "strings"

// Hooks is implemented by package log's encoders and contexts and by
// package level's filters: what one of kit's Loggers tells the packages
// that wrap it, once, when they are built. A Logger that does not
// implement Hooks is treated as one whose methods return false, nil, nil.
type Hooks interface {
	// Discards reports whether the Logger drops every line carrying the
	// bound keyvals (a level filter, for a disallowed level), and the
	// error Log returns for those lines.
	Discards(bound []any) (bool, error)
	// LevelSlots returns where the level helpers cache what they return
	// for this Logger, or nil when it has no room for them.
	LevelSlots() *Slots
	// LineWriter returns a Writer whose lines are exactly what Log
	// writes for the keyvals prefix, then the pairs written, then suffix;
	// or nil when the Logger cannot write such lines directly. It is asked once, when a Logger is
	// built, not for each line. A level filter returns a Writer only
	// when prefix or suffix holds a level it lets through: the Writer
	// does not look at the levels among the values it writes.
	LineWriter(prefix, suffix []any) Writer
}

// InLogPackages reports whether function, as runtime names it
// ("path.Func", "path.(*T).Method"), belongs to kit's log, level or
// slogbridge package (tests excluded): the frames that callers' file and
// line skip.
func InLogPackages(function string) bool {
	const root = "github.com/endpointkit/kit/log"
	rest, ok := strings.CutPrefix(function, root)
	if !ok {
		return false
	}
	return strings.HasPrefix(rest, ".") || strings.HasPrefix(rest, "/level.") || strings.HasPrefix(rest, "/slogbridge.")
}

// InLevelPackage reports whether function belongs to package level (tests
// excluded): its Logger sits between a caller and a context.
func InLevelPackage(function string) bool {
	return strings.HasPrefix(function, "github.com/endpointkit/kit/log/level.")
}
