package core

import "sync"

// Line is a line being written: B holds the bytes so far, and More says
// that a pair was written, so that the next one needs a separator. A Line
// belongs to one goroutine from GetLine to PutLine.
type Line struct {
	B    []byte
	More bool
}

// Keyvals holds keyvals being merged or copied for one Log call.
type Keyvals struct{ KV []any }

// Bounds on what the pools keep, so that one huge line does not pin a huge
// buffer for the life of the process.
const (
	maxPooledBytes   = 64 << 10
	maxPooledKeyvals = 1024
)

// The pools of kit's log packages: one for the bytes of lines, one for
// keyvals. They are caches, not state: what they return is empty, and
// dropping them changes only speed. They are two, not one, because a Log
// call often holds one of each at once (a level helper's or a context's
// keyvals, then the encoder's line), and the second Get of one pool misses
// its per-P slot, which costs about 170 instructions a line.
var (
	linePool    = sync.Pool{New: func() any { return &Line{B: make([]byte, 0, 1024)} }}
	keyvalsPool = sync.Pool{New: func() any { return &Keyvals{KV: make([]any, 0, 32)} }}
)

// GetLine returns an empty Line.
func GetLine() *Line { return linePool.Get().(*Line) }

// PutLine empties l and returns it to the pool, unless it grew too large.
func PutLine(l *Line) {
	if cap(l.B) > maxPooledBytes {
		return
	}
	l.B, l.More = l.B[:0], false
	linePool.Put(l)
}

// GetKeyvals returns an empty Keyvals.
func GetKeyvals() *Keyvals { return keyvalsPool.Get().(*Keyvals) }

// PutKeyvals empties k and returns it to the pool, unless it grew too
// large. The keyvals are cleared so that pooled slices do not keep values
// alive.
func PutKeyvals(k *Keyvals) {
	if cap(k.KV) > maxPooledKeyvals {
		return
	}
	clear(k.KV)
	k.KV = k.KV[:0]
	keyvalsPool.Put(k)
}
