package slogbridge

import (
	"hash/maphash"
	"sync/atomic"

	"github.com/endpointkit/kit/log/internal/core"
)

// keyCache holds attribute keys already boxed in an interface, so that the
// constant keys of typical call sites (slog.Int("status", ...)) are not
// boxed, which allocates, on every record: a kit Logger takes []any. It is
// shared by a Handler and those derived from it, and safe for concurrent
// use. A slot, once filled, keeps its key: keys that vary per record miss
// and are boxed as before, but never evict the common ones.
type keyCache struct {
	lw    core.Writer // set, before use, for Handlers on the direct path
	seed  maphash.Seed
	slots [keyCacheSlots]atomic.Pointer[boxedKey]
}

const keyCacheSlots = 128 // encoded relies on it

type boxedKey struct {
	s   string
	v   any    // s, boxed
	enc []byte // s encoded by the cache's core.Writer, after a pair
}

func newKeyCache() *keyCache { return &keyCache{seed: maphash.MakeSeed()} }

// box returns key as an interface value, from the cache when it is there.
func (c *keyCache) box(key string) any {
	slot := &c.slots[maphash.String(c.seed, key)%keyCacheSlots]
	if e := slot.Load(); e != nil {
		if e.s == key {
			return e.v
		}
		return key
	}
	e := &boxedKey{s: key, v: key}
	slot.CompareAndSwap(nil, e)
	return e.v
}

// encoded returns key encoded by c.lw as a key after a pair: separator,
// key and the character before the value. Keys are encoded only on the
// direct path, whose caches hold no boxed keys.
//
// Its slot is chosen by a cheap hash of the key's length and three of its
// bytes, not maphash, which costs more than the encoding it saves: keys
// that collide only miss, and are encoded again.
func (c *keyCache) encoded(key string) []byte {
	n := uint32(len(key)) // not 0
	h := (n*0x9e3779b1 ^ uint32(key[0])<<16 ^ uint32(key[n/2])<<8 ^ uint32(key[n-1])) * 0x9e3779b1
	slot := &c.slots[h>>25] // the top 7 bits: keyCacheSlots is 128
	if e := slot.Load(); e != nil {
		if e.s == key {
			return e.enc
		}
		return c.encodeKey(key, true)
	}
	e := &boxedKey{s: key, enc: c.encodeKey(key, true)}
	slot.CompareAndSwap(nil, e)
	return e.enc
}

// encodeKey returns key encoded by c.lw, after a pair if more is set.
func (c *keyCache) encodeKey(key string, more bool) []byte {
	l := &core.Line{More: more}
	c.lw.Key(l, key)
	return l.B
}
