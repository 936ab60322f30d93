package basic

import (
	"strings"
	"testing"
)

// TestSecretEqual: the cyclic constant-time comparison answers exactly
// got == secret, for equal and unequal values, prefixes and extensions
// (whose cyclic walk matches the secret byte for byte: only the length
// check refuses them), empty values and values much longer than the
// secret.
func TestSecretEqual(t *testing.T) {
	long := strings.Repeat("correct horse battery staple ", 200)
	for _, tc := range []struct {
		name, secret, got string
	}{
		{"equal", "pass", "pass"},
		{"one byte differs", "pass", "pasS"},
		{"first byte differs", "pass", "Pass"},
		{"prefix of the secret", "pass", "pas"},
		{"secret is a prefix", "pass", "passpass"},
		{"secret repeated", "ab", "ababab"},
		{"secret repeated, one longer", "ab", "aba"},
		{"empty got", "pass", ""},
		{"empty secret, empty got", "", ""},
		{"empty secret, got a zero byte", "", "\x00"},
		{"empty secret, got bytes", "", "pass"},
		{"long equal", long, long},
		{"long, last byte differs", long, long[:len(long)-1] + "!"},
		{"long, one short", long, long[:len(long)-1]},
		{"long got, short secret", "c", long},
		{"got one past the precomputed walk", "ab", strings.Repeat("ab", extLen/2) + "a"},
		{"secret as long as the walk", strings.Repeat("x", extLen), strings.Repeat("x", extLen)},
		{"secret as long as the walk, got longer", strings.Repeat("x", extLen), strings.Repeat("x", extLen+1)},
		{"secret longer than the walk, got twice as long", strings.Repeat("y", extLen+3), strings.Repeat("y", 2*extLen+6)},
		{"zero bytes", "\x00\x00", "\x00\x00"},
		{"zero bytes, shorter", "\x00\x00", "\x00"},
		{"high bytes", "\xff\xfe", "\xff\xfe"},
		{"high bytes differ", "\xff\xfe", "\xfe\xff"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := 0
			if tc.got == tc.secret {
				want = 1
			}
			if got := newSecret(tc.secret).equal(tc.got); got != want {
				t.Errorf("newSecret(%.20q).equal(%.20q) = %d, want %d", tc.secret, tc.got, got, want)
			}
		})
	}
}

// FuzzSecretEqual: for any secret and presented value, equal agrees with
// ==.
func FuzzSecretEqual(f *testing.F) {
	f.Add("pass", "pass")
	f.Add("pass", "passpass")
	f.Add("", "")
	f.Add("", "\x00")
	f.Fuzz(func(t *testing.T, s, got string) {
		want := 0
		if s == got {
			want = 1
		}
		if r := newSecret(s).equal(got); r != want {
			t.Fatalf("newSecret(%q).equal(%q) = %d, want %d", s, got, r, want)
		}
	})
}

// TestSecretEqualAllocs: the comparison allocates nothing.
func TestSecretEqualAllocs(t *testing.T) {
	s := newSecret("correct horse battery staple")
	if n := testing.AllocsPerRun(100, func() { _ = s.equal("correct horse battery stapler") }); n != 0 {
		t.Errorf("allocs per equal = %v, want 0", n)
	}
}
