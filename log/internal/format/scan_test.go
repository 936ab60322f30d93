package format_test

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/endpointkit/kit/log/internal/format"
)

// TestScansMatchBytewise checks the word-at-a-time scans against their
// definitions, one byte at a time, with every interesting byte at every
// position of strings long enough to span several words.
func TestScansMatchBytewise(t *testing.T) {
	clean := func(scan func(string) bool) func(string) int {
		// A whole-string test, as a scan: len(s) when clean, -1 if not.
		return func(s string) int {
			if scan(s) {
				return len(s)
			}
			return -1
		}
	}
	jsonPlain := func(c byte) bool { return c >= ' ' && c != '"' && c != '\\' && c < 0x80 }
	logfmtBare := func(c byte) bool { return c > ' ' && c != '=' && c != '"' && c < 0x7f }
	logfmtQuoted := func(c byte) bool { return c >= ' ' && c != '"' && c != '\\' && c < 0x7f }
	for _, tc := range []struct {
		name  string
		scan  func(string) int
		plain func(c byte) bool
		whole bool // the scan only tells whether the whole string is plain
	}{
		{"JSONPlain", format.JSONPlain, jsonPlain, false},
		{"LogfmtBare", format.LogfmtBare, logfmtBare, false},
		{"LogfmtQuoted", format.LogfmtQuoted, logfmtQuoted, false},
		{"JSONClean", clean(format.JSONClean), jsonPlain, true},
		{"BareClean", clean(format.BareClean), logfmtBare, true},
		{"QuotedClean", clean(format.QuotedClean), logfmtQuoted, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := func(s string) int {
				for i := 0; i < len(s); i++ {
					if !tc.plain(s[i]) {
						if tc.whole {
							return -1
						}
						return i
					}
				}
				return len(s)
			}
			for n := 0; n <= 24; n++ {
				for pos := 0; pos < n; pos++ {
					for c := 0; c < 256; c++ {
						b := []byte(strings.Repeat("a", n))
						b[pos] = byte(c)
						if got, w := tc.scan(string(b)), want(string(b)); got != w {
							t.Fatalf("%s(%q) = %d, want %d", tc.name, b, got, w)
						}
					}
				}
			}
			r := rand.New(rand.NewPCG(1, 2))
			for range 20000 {
				b := make([]byte, r.IntN(40))
				for i := range b {
					b[i] = byte(r.IntN(256))
					if r.IntN(4) > 0 {
						b[i] = byte('!' + r.IntN(90)) // mostly plain
					}
				}
				if got, w := tc.scan(string(b)), want(string(b)); got != w {
					t.Fatalf("%s(%q) = %d, want %d", tc.name, b, got, w)
				}
			}
		})
	}
}

// TestAppendRFC3339NanoMatchesTime compares the timestamp formatter with
// the standard library's over random instants, in zones with whole-minute,
// odd-second and far offsets, and at the edges of the fast path's range.
func TestAppendRFC3339NanoMatchesTime(t *testing.T) {
	zones := []*time.Location{
		time.UTC, time.Local,
		time.FixedZone("east", 5*3600+30*60), time.FixedZone("west", -(9*3600 + 45*60)),
		time.FixedZone("lmt", 9*60+21), time.FixedZone("far", 30*3600),
	}
	instants := []time.Time{
		{}, // the zero time, year 1
		time.Date(0, 3, 1, 0, 0, 0, 0, time.UTC),
		time.Date(0, 2, 29, 23, 59, 59, 999999999, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 1, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2000, 2, 29, 12, 0, 0, 100, time.UTC),
		time.Date(1900, 3, 1, 0, 0, 0, 0, time.UTC),
		time.Unix(0, 0),
		time.Now(),
	}
	r := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		instants = append(instants, time.Unix(r.Int64N(400*365*86400)-200*365*86400, r.Int64N(1e9)))
		instants = append(instants, time.Unix(r.Int64N(1<<40)-1<<39, r.Int64N(1e9)).Round(time.Duration(r.IntN(4))*time.Microsecond))
	}
	for _, z := range zones {
		for _, at := range instants {
			at = at.In(z)
			want := at.Format(time.RFC3339Nano)
			if got := string(format.AppendRFC3339Nano([]byte("x"), at)); got != "x"+want {
				t.Fatalf("AppendRFC3339Nano(%v) = %q, want %q", at, got[1:], want)
			}
		}
	}
}

// TestStampCacheMatchesTime checks the per-second cache of timestamps
// against the standard library, over runs of instants that cross second
// boundaries, in zones that alternate within one second (distinct
// *time.Location values with the same name and different offsets among
// them), across daylight-saving changes, and in zones the cache does not
// serve (odd-second and far offsets).
func TestStampCacheMatchesTime(t *testing.T) {
	zones := []*time.Location{
		time.UTC, time.Local, time.FixedZone("X", 3600), time.FixedZone("X", 7200),
		time.FixedZone("west", -(9*3600 + 45*60)), time.FixedZone("lmt", 9*60+21), time.FixedZone("far", 30*3600),
	}
	for _, name := range []string{"America/New_York", "Europe/Berlin", "Australia/Lord_Howe"} {
		if z, err := time.LoadLocation(name); err == nil {
			zones = append(zones, z)
		} else {
			t.Logf("zone %s: %v", name, err)
		}
	}
	var c format.StampCache
	check := func(at time.Time) {
		t.Helper()
		want := at.Format(time.RFC3339Nano)
		if got := string(c.AppendRFC3339Nano([]byte("x"), at)); got != "x"+want {
			t.Fatalf("AppendCached(%v) = %q, want %q", at, got[1:], want)
		}
	}
	r := rand.New(rand.NewPCG(11, 12))
	starts := []time.Time{
		time.Date(2026, 3, 8, 6, 59, 58, 0, time.UTC),  // New York springs forward at 07:00 UTC
		time.Date(2026, 11, 1, 5, 59, 58, 0, time.UTC), // and falls back at 06:00 UTC
		time.Date(2026, 3, 29, 0, 59, 58, 0, time.UTC), // Berlin
		time.Date(2026, 12, 31, 23, 59, 58, 0, time.UTC),
		time.Date(2028, 2, 29, 23, 59, 59, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 58, 0, time.UTC),
		time.Now(),
	}
	for range 50 {
		starts = append(starts, time.Unix(r.Int64N(400*365*86400)-200*365*86400, 0))
	}
	for _, start := range starts {
		at := start
		for range 400 {
			// Steps of up to 30ms, some landing on whole seconds.
			at = at.Add(time.Duration(r.Int64N(30e6)))
			if r.IntN(10) == 0 {
				at = at.Truncate(time.Second)
			}
			check(at)
			check(at.In(zones[r.IntN(len(zones))]))
			check(at.UTC())
		}
	}
}

// TestAppendRFC3339NanoSpareCapacity checks that the timestamp formatter,
// which writes whole arrays into spare capacity and then cuts, appends
// exactly the time's text whatever the capacity and the bytes in it.
func TestAppendRFC3339NanoSpareCapacity(t *testing.T) {
	zones := []*time.Location{time.UTC, time.FixedZone("east", 5*3600+30*60), time.FixedZone("west", -7*3600)}
	for _, loc := range zones {
		for _, ns := range []int{0, 1, 5e8, 123456789, 999999999, 120000000} {
			at := time.Date(2026, 11, 26, 22, 25, 7, ns, loc)
			want := at.Format(time.RFC3339Nano)
			for spare := range 48 {
				dst := bytes.Repeat([]byte{'#'}, 3+spare)[:3]
				if got := string(format.AppendRFC3339Nano(dst, at)); got != "###"+want {
					t.Fatalf("AppendRFC3339Nano(%v) with %d spare = %q, want %q", at, spare, got, "###"+want)
				}
				var c format.StampCache
				for range 2 { // a miss, then a hit
					dst := bytes.Repeat([]byte{'#'}, 3+spare)[:3]
					if got := string(c.AppendRFC3339Nano(dst, at)); got != "###"+want {
						t.Fatalf("AppendCached(%v) with %d spare = %q, want %q", at, spare, got, "###"+want)
					}
				}
			}
		}
	}
}

// FuzzAppendRFC3339Nano compares the timestamp formatter, cached and not,
// with time.Format over instants and whole-minute zone offsets.
func FuzzAppendRFC3339Nano(f *testing.F) {
	f.Add(int64(1795645507), int64(123456789), int64(0))
	f.Add(int64(-62135596800), int64(1), int64(-420))
	f.Add(int64(253402300799), int64(999999999), int64(330))
	f.Fuzz(func(t *testing.T, sec, nsec, minutes int64) {
		at := time.Unix(sec, nsec).In(time.FixedZone("z", int(minutes%(48*60))*60))
		want := at.Format(time.RFC3339Nano)
		if got := string(format.AppendRFC3339Nano([]byte("x"), at)); got != "x"+want {
			t.Fatalf("AppendRFC3339Nano(%v) = %q, want %q", at, got[1:], want)
		}
		var c format.StampCache
		dst := make([]byte, 1, 64)
		if got := string(c.AppendRFC3339Nano(dst, at)); got != "\x00"+want {
			t.Fatalf("AppendCached(%v) = %q, want %q", at, got[1:], want)
		}
	})
}
