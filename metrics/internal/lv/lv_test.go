package lv_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/endpointkit/kit/metrics/internal/lv"
)

type child struct{ lvs []string }

func newFamily() *lv.Family[child] {
	return lv.New(func(lvs []string) *child { return &child{lvs: lvs} })
}

func TestGet(t *testing.T) {
	f := newFamily()
	tests := []struct {
		name       string
		base, more []string
		want       []string
	}{
		{"empty", nil, nil, []string{}},
		{"pair", nil, []string{"a", "1"}, []string{"a", "1"}},
		{"same value, other name", nil, []string{"b", "1"}, []string{"b", "1"}},
		{"split across base and more", []string{"a"}, []string{"1"}, []string{"a", "1"}},
		{"odd gets unknown", []string{"a", "1"}, []string{"b"}, []string{"a", "1", "b", lv.Unknown}},
		{"no concatenation collision", []string{"a1"}, nil, []string{"a1", lv.Unknown}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := f.Get(tt.base, tt.more)
			if !slices.Equal(c.lvs, tt.want) {
				t.Errorf("Get(%q, %q).lvs = %q, want %q", tt.base, tt.more, c.lvs, tt.want)
			}
			if again := f.Get(tt.base, tt.more); again != c {
				t.Errorf("Get(%q, %q) twice returned different children", tt.base, tt.more)
			}
		})
	}
	if got := f.Get([]string{"a", "1", "b"}, nil); got != f.Get(nil, []string{"a", "1", "b", lv.Unknown}) {
		t.Errorf("odd list and its explicit unknown form are different children")
	}
}

func TestGetDoesNotAllocateOnHit(t *testing.T) {
	f := newFamily()
	base := []string{"method", "sum"}
	more := []string{"code", "200"}
	f.Get(base, more)
	if n := testing.AllocsPerRun(100, func() { f.Get(base, more) }); n != 0 {
		t.Errorf("Get on a seen label list: %v allocs, want 0", n)
	}
}

func TestConcurrentGet(t *testing.T) {
	f := newFamily()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				f.Get(nil, []string{"k", fmt.Sprint(i % 50)})
				f.Get([]string{"g"}, []string{fmt.Sprint(g)})
			}
		}()
	}
	wg.Wait()
	if got, want := f.Len(), 58; got != want {
		t.Errorf("Len() = %d, want %d", got, want)
	}
	seen := map[string]bool{}
	f.Each(func(lvs []string, c *child) {
		key := fmt.Sprint(lvs)
		if seen[key] {
			t.Errorf("Each visited %s twice", key)
		}
		seen[key] = true
	})
}

func BenchmarkGet(b *testing.B) {
	f := newFamily()
	more := []string{"method", "sum"}
	f.Get(nil, more)
	b.ReportAllocs()
	for b.Loop() {
		f.Get(nil, more)
	}
}
