package ratelimit_test

import (
	"runtime"
	"strings"
	"testing"

	"github.com/endpointkit/kit/ratelimit"
)

// TestKeyedBoundsKeySize checks that a Keyed does not hold long keys as
// they are: MaxKeys bounds the count, and without a bound on each key's size
// ten keys of 1 MiB (a header a caller chooses) held 10 MiB. Long keys still
// get limiters of their own, and the same long key the same limiter.
func TestKeyedBoundsKeySize(t *testing.T) {
	var made []string
	k := ratelimit.NewKeyed(func(key string) ratelimit.Allower {
		made = append(made, strings.Clone(key[:8])) // a copy: a substring would hold the whole key
		return ratelimit.AllowerFunc(func() bool { return true })
	}, ratelimit.KeyedSettings{MaxKeys: 10})
	long := func(i int) string {
		// Distinct keys sharing a long prefix: a bound by truncation
		// would give them one limiter.
		return strings.Repeat("x", 1<<20) + string(rune('a'+i))
	}

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range 10 {
		k.AllowAt(long(i), t0)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	if grew := int64(after.HeapAlloc) - int64(before.HeapAlloc); grew > 1<<20 {
		t.Errorf("10 keys of 1 MiB held: the heap grew by %.1f MiB, want under 1 MiB (keys bounded in size)", float64(grew)/(1<<20))
	}
	if k.Len() != 10 || len(made) != 10 {
		t.Errorf("after 10 distinct long keys: Len = %d, limiters made = %d; want 10 and 10", k.Len(), len(made))
	}
	k.AllowAt(long(3), t0)
	if len(made) != 10 {
		t.Errorf("a long key seen before made a new limiter (%d made), want its own again", len(made))
	}
	runtime.KeepAlive(k)
}
