package lv

import (
	"hash/maphash"
	"sync"
	"sync/atomic"
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
	labelValues []string
	child       *T
}

type snapshot[T any] struct {
	index map[uint64][]*entry[T]
	list  []*entry[T] // in order of first sight
}

// New returns a Family that builds a child with build the first time a label
// list is seen. build receives the normalised list (even length), which it
// may keep; it runs under the Family's lock, so it must not call the Family.
func New[T any](build func(labelValues []string) *T) *Family[T] {
	f := &Family[T]{build: build, seed: maphash.MakeSeed()}
	f.snap.Store(&snapshot[T]{index: map[uint64][]*entry[T]{}})
	return f
}

// labels is base followed by more, read as one list; an odd total gets
// Unknown appended. It lets Get hash and compare the concatenation of a
// child's labels and With's arguments without building it.
type labels struct{ base, more []string }

func (l labels) len() int {
	n := len(l.base) + len(l.more)
	return n + n%2
}

func (l labels) at(i int) string {
	if i < len(l.base) {
		return l.base[i]
	}
	i -= len(l.base)
	if i < len(l.more) {
		return l.more[i]
	}
	return Unknown
}

// hash combines the strings' hashes in order, so that ("ab","c") and
// ("a","bc") differ.
func (l labels) hash(seed maphash.Seed) uint64 {
	var h uint64
	for i, n := 0, l.len(); i < n; i++ {
		h = (h ^ maphash.String(seed, l.at(i))) * 1099511628211
	}
	return h
}

func (l labels) equal(lvs []string) bool {
	if l.len() != len(lvs) {
		return false
	}
	for i, v := range lvs {
		if l.at(i) != v {
			return false
		}
	}
	return true
}

// Get returns the child for the label list base followed by more, building
// it on first sight. Neither slice is kept.
func (f *Family[T]) Get(base, more []string) *T {
	l := labels{base, more}
	h := l.hash(f.seed)
	for _, e := range f.snap.Load().index[h] {
		if l.equal(e.labelValues) {
			return e.child
		}
	}
	return f.insert(l, h)
}

func (f *Family[T]) insert(l labels, h uint64) *T {
	f.mu.Lock()
	defer f.mu.Unlock()
	old := f.snap.Load()
	for _, e := range old.index[h] {
		if l.equal(e.labelValues) {
			return e.child
		}
	}
	lvs := make([]string, l.len())
	for i := range lvs {
		lvs[i] = l.at(i)
	}
	e := &entry[T]{labelValues: lvs, child: f.build(lvs)}
	next := &snapshot[T]{index: make(map[uint64][]*entry[T], len(old.index)+1)}
	for k, v := range old.index {
		next.index[k] = v
	}
	// A fresh slice for this hash: the old one is shared with readers.
	next.index[h] = append(append([]*entry[T](nil), old.index[h]...), e)
	next.list = append(old.list[:len(old.list):len(old.list)], e)
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
