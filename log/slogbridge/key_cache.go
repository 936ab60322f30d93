package slogbridge

import (
	"hash/maphash"
	"sync/atomic"
)

// keyCache holds attribute keys already boxed in an interface, so that the
// constant keys of typical call sites (slog.Int("status", ...)) are not
// boxed, which allocates, on every record: a kit Logger takes []any. It is
// shared by a Handler and those derived from it, and safe for concurrent
// use. A slot, once filled, keeps its key: keys that vary per record miss
// and are boxed as before, but never evict the common ones.
type keyCache struct {
	seed  maphash.Seed
	slots [keyCacheSlots]atomic.Pointer[boxedKey]
}

const keyCacheSlots = 128

type boxedKey struct {
	s string
	v any // s, boxed
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
