package core

import "sync/atomic"

// Keys caches keys encoded by one Writer as they follow a pair: the
// separator, the key and what comes before a value. Typed front ends write
// the same constant keys on every line, and copying them saves scanning
// and escaping them each time. The encoding of a key depends only on the
// format, so the Writers of one encoder share one Keys. A Keys is safe for
// concurrent use once Init has been called. A slot, once filled, keeps
// its key: keys that vary per line miss, but never evict the common ones.
type Keys struct {
	w     Writer
	slots [keySlots]atomic.Pointer[encodedKey]
}

const keySlots = 128 // Encoded relies on it

type encodedKey struct {
	s   string
	enc []byte
}

// Init sets the Writer whose encoding c caches, before c is used.
func (c *Keys) Init(w Writer) { c.w = w }

// Encoded returns key, which is not empty, encoded after a pair, or nil
// when key's slot holds another key: the caller then writes the key
// itself, which costs the encoding but allocates nothing.
//
// Its slot is chosen by a cheap hash of the key's length and three of its
// bytes, not maphash, which costs more than the encoding it saves.
func (c *Keys) Encoded(key string) []byte {
	n := uint32(len(key))
	h := (n*0x9e3779b1 ^ uint32(key[0])<<16 ^ uint32(key[n/2])<<8 ^ uint32(key[n-1])) * 0x9e3779b1
	slot := &c.slots[h>>25] // the top 7 bits: keySlots is 128
	if e := slot.Load(); e != nil {
		if e.s == key {
			return e.enc
		}
		return nil
	}
	e := &encodedKey{s: key, enc: EncodeKey(c.w, key, true)}
	slot.CompareAndSwap(nil, e)
	return e.enc
}

// EncodeKey returns key encoded by w, after a pair if more is set.
func EncodeKey(w Writer, key string, more bool) []byte {
	l := &Line{More: more}
	w.Key(l, key)
	return l.B
}
