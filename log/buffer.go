package log

import "sync"

// maxPooledBuffer bounds the capacity of buffers returned to the pools, so
// that one huge line does not pin a huge buffer for the life of the process.
const maxPooledBuffer = 64 << 10

// lineBuffer holds one encoded line. Encoders take one from linePool, append
// the line, write it with a single Write call and put it back.
type lineBuffer struct{ b []byte }

// linePool and keyvalsPool are caches, not state: any value they return is
// reset before use, and dropping them changes nothing but speed.
var linePool = sync.Pool{New: func() any { return &lineBuffer{b: make([]byte, 0, 1024)} }}

func getLine() *lineBuffer { return linePool.Get().(*lineBuffer) }

func putLine(l *lineBuffer) {
	if cap(l.b) > maxPooledBuffer {
		return
	}
	l.b = l.b[:0]
	linePool.Put(l)
}

// keyvalsBuffer holds the merged keyvals of a contextual Log call.
type keyvalsBuffer struct{ kv []any }

var keyvalsPool = sync.Pool{New: func() any { return &keyvalsBuffer{kv: make([]any, 0, 32)} }}

func getKeyvals() *keyvalsBuffer { return keyvalsPool.Get().(*keyvalsBuffer) }

func putKeyvals(k *keyvalsBuffer) {
	if cap(k.kv) > 1024 {
		return
	}
	clear(k.kv) // drop references so pooled slices do not keep values alive
	k.kv = k.kv[:0]
	keyvalsPool.Put(k)
}
