// Package levelcache holds what the level helpers of package level cache in
// the Loggers that package log builds. It is internal to kit's log packages.
package levelcache

import "sync/atomic"

// Leveled is what a level helper returns for one Logger and level: the
// Logger with the level bound, or, when every such line is dropped, nil and
// the error Log returns for them. It is immutable once built.
type Leveled struct {
	Next interface{ Log(keyvals ...any) error } // nil: every line dropped
	Err  error
}

// Slots holds, for each of the four levels, the Leveled of one Logger once
// computed. The Loggers that package log's With and friends return are
// immutable, so the answer never changes and racing stores store equal
// answers.
type Slots [4]atomic.Pointer[Leveled]

// Holder is implemented by Loggers that carry Slots.
type Holder interface {
	LevelSlots() *Slots
}
