package lv

import (
	"hash/maphash"
	"slices"
	"sync"
	"sync/atomic"
	"unsafe"
)

// Unknown is the value appended to an odd-length label list.
const Unknown = "unknown"

// Family maps label lists to children of type T. It is safe for concurrent
// use. Its zero value is not usable; build one with [New].
type Family[T any] struct {
	build func(labelValues []string) *T
	seed  maphash.Seed

	mu   sync.Mutex // serialises writers of snap
	snap atomic.Pointer[snapshot[T]]
}

type entry[T any] struct {
	hash        uint64
	labelValues []string
	child       *T
}

// snapshot is an immutable index: an open-addressing table (linear probing,
// a power of two long, at most half full, nil where free) and the entries
// in order of first sight.
type snapshot[T any] struct {
	table []*entry[T]
	list  []*entry[T]
}

// New returns a Family that builds a child with build the first time a label
// list is seen. build receives the normalised list (even length), which it
// may keep; it runs under the Family's lock, so it must not call the Family.
func New[T any](build func(labelValues []string) *T) *Family[T] {
	f := &Family[T]{build: build, seed: maphash.MakeSeed()}
	f.snap.Store(&snapshot[T]{table: make([]*entry[T], 8)})
	return f
}

// Get returns the child for the label list base followed by more, building
// it on first sight. Neither slice is kept.
func (f *Family[T]) Get(base, more []string) *T {
	if len(base) == 0 && len(more)%2 == 0 {
		return f.get(more)
	}
	// Normalise into one list; up to 16 strings it stays on the stack.
	var buf [16]string
	lvs := append(append(buf[:0], base...), more...)
	if len(lvs)%2 == 1 {
		lvs = append(lvs, Unknown)
	}
	return f.get(lvs)
}

// get returns the child for lvs, a normalised list, which it does not keep.
//
// The hash combines the hashes of the values only: names almost always
// come from the code, so hashing them would rarely tell lists apart and
// would cost a hash per pair; the comparison checks them.
func (f *Family[T]) get(lvs []string) *T {
	h := uint64(len(lvs))
	for i := 1; i < len(lvs); i += 2 {
		h = (h ^ maphash.String(f.seed, lvs[i])) * 1099511628211
	}
	s := f.snap.Load()
	mask := uint64(len(s.table) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		e := s.table[i]
		if e == nil {
			return f.insert(h, lvs)
		}
		if e.hash == h && same(e.labelValues, lvs) {
			return e.child
		}
	}
}

// same reports whether the lists a and b are equal. It compares the bytes
// of two strings only when they are not the same bytes: label values are
// most often the same literals on every call, and a comparison then costs
// no call (and no spilling of get's registers around one).
func same(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i, x := range a {
		y := b[i]
		if len(x) != len(y) || unsafe.StringData(x) != unsafe.StringData(y) && x != y {
			return false
		}
	}
	return true
}

func (f *Family[T]) insert(h uint64, lvs []string) *T {
	f.mu.Lock()
	defer f.mu.Unlock()
	old := f.snap.Load()
	for _, e := range old.list {
		if e.hash == h && slices.Equal(e.labelValues, lvs) {
			return e.child // another goroutine inserted it meanwhile
		}
	}
	// A new variable, not lvs: escape analysis would otherwise let the
	// caller's list (on its stack) escape.
	kept := slices.Clone(lvs)
	e := &entry[T]{hash: h, labelValues: kept, child: f.build(kept)}
	list := append(old.list[:len(old.list):len(old.list)], e)
	size := len(old.table)
	for 2*len(list) > size {
		size *= 2
	}
	next := &snapshot[T]{table: make([]*entry[T], size), list: list}
	mask := uint64(size - 1)
	for _, e := range list {
		i := e.hash & mask
		for next.table[i] != nil {
			i = (i + 1) & mask
		}
		next.table[i] = e
	}
	f.snap.Store(next)
	return e.child
}

// Each calls fn for every child seen so far, in order of first sight, with
// its label list (which fn must not modify). Children added while Each runs
// may be missed.
func (f *Family[T]) Each(fn func(labelValues []string, child *T)) {
	for _, e := range f.snap.Load().list {
		fn(e.labelValues, e.child)
	}
}

// Len returns the number of children seen so far.
func (f *Family[T]) Len() int { return len(f.snap.Load().list) }
