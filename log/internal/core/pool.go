package core

import "sync"

// Line is the scratch space of one Log call: B holds the bytes of the line
// being written, More says that a pair was written, so that the next one
// needs a separator, and KV holds keyvals being merged or copied. A Line
// belongs to one goroutine from Get to Put.
type Line struct {
	B    []byte
	More bool
	KV   []any
}

// Bounds on what Put keeps, so that one huge line does not pin a huge
// buffer for the life of the process.
const (
	maxPooledBytes   = 64 << 10
	maxPooledKeyvals = 1024
)

// pool is the one pool of kit's log packages. It is a cache, not state:
// what Get returns is empty, and dropping the pool changes only speed.
var pool = sync.Pool{New: func() any { return &Line{B: make([]byte, 0, 1024)} }}

// Get returns an empty Line.
func Get() *Line { return pool.Get().(*Line) }

// Put empties l and returns it to the pool, unless it grew too large. The
// keyvals are cleared so that pooled slices do not keep values alive.
func Put(l *Line) {
	if cap(l.B) > maxPooledBytes || cap(l.KV) > maxPooledKeyvals {
		return
	}
	if len(l.KV) > 0 {
		clear(l.KV)
		l.KV = l.KV[:0]
	}
	l.B, l.More = l.B[:0], false
	pool.Put(l)
}
