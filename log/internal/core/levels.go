package core

import "sync/atomic"

// Leveled is what a level helper returns for one Logger and level: the
// Logger with the level bound, or, when every such line is dropped, nil and
// the error Log returns for them; and Lines, the Writer of Next when it has
// one. It is immutable once built.
type Leveled struct {
	Next  interface{ Log(keyvals ...any) error } // nil: every line dropped
	Err   error
	Lines Writer // nil: lines go through Next.Log
	Keys  *Keys  // Lines.Keys()
}

// Slots holds, for each of the four levels, the Leveled of one Logger once
// computed. kit's Loggers are immutable, so the answer never changes and
// racing stores store equal answers.
type Slots [4]atomic.Pointer[Leveled]
