package log

// This file finds, eight bytes at a time, where a string stops being plain
// text that an encoder can copy as it is. Most keys and values are plain
// ASCII, so the encoders spend most of their time in these scans.
//
// Each scan tests a word of eight bytes at once with the usual bit tricks:
// (x - lo*n) &^ x & hi is non-zero when some byte of x is below n (n ≤ 0x80),
// and a byte equal to c is a zero byte of x ^ lo*c. The tests may flag a byte
// after a real hit (borrows), never miss one, and are exact about whether a
// word has a hit, which is all the scans need: they finish a flagged word
// byte by byte.

const (
	lo = 0x0101010101010101
	hi = 0x8080808080808080
)

// load64 returns the eight bytes of s from i as a little-endian word; the
// compiler turns it into a single load.
func load64(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// below returns the high bit of each byte of x that is below n, and
// possibly of bytes after one; n must be at most 0x80.
func below(x, n uint64) uint64 { return (x - lo*n) &^ x & hi }

// equal returns the high bit of each byte of x equal to c, and possibly of
// bytes after one.
func equal(x, c uint64) uint64 { return below(x^(lo*c), 1) }

// load32 returns the four bytes of s from i as a little-endian word.
func load32(s string, i int) uint64 {
	s = s[i : i+4]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24
}

// tailWord reports whether s[i:], shorter than a word, fits in one
// word with bytes already scanned, and returns that word: the last eight
// bytes of s, or its first and last four, overlapping, when it is shorter.
// A byte test that finds no hit in the word finds none in s[i:].
func tailWord(s string, i int) (uint64, bool) {
	switch {
	case len(s)-i >= 8:
		return 0, false // not a tail: the word at i had a hit
	case len(s) >= 8:
		return load64(s, len(s)-8), true
	case len(s)-i >= 4:
		return load32(s, i) | load32(s, len(s)-4)<<32, true
	}
	return 0, false
}

// The hit tests: non-zero when some byte of the word is not plain.
func jsonHit(x uint64) uint64 { return below(x, ' ') | equal(x, '"') | equal(x, '\\') | x&hi }
func bareHit(x uint64) uint64 {
	return below(x, ' '+1) | equal(x, '=') | equal(x, '"') | equal(x, 0x7f) | x&hi
}
func quotedHit(x uint64) uint64 {
	return below(x, ' ') | equal(x, '"') | equal(x, '\\') | equal(x, 0x7f) | x&hi
}

// jsonPlain returns the length of the longest prefix of s that a JSON
// string holds as it is: ASCII without control characters, '"' and '\'.
func jsonPlain(s string) int {
	i := 0
	for ; i+8 <= len(s) && jsonHit(load64(s, i)) == 0; i += 8 {
	}
	if x, ok := tailWord(s, i); ok && jsonHit(x) == 0 {
		return len(s)
	}
	for ; i < len(s); i++ {
		if c := s[i]; c < ' ' || c == '"' || c == '\\' || c >= 0x80 {
			break
		}
	}
	return i
}

// logfmtBare returns the length of the longest prefix of s that a logfmt
// value or key holds bare: printable ASCII without '=' and '"'.
func logfmtBare(s string) int {
	i := 0
	for ; i+8 <= len(s) && bareHit(load64(s, i)) == 0; i += 8 {
	}
	if x, ok := tailWord(s, i); ok && bareHit(x) == 0 {
		return len(s)
	}
	for ; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c == '=' || c == '"' || c >= 0x7f {
			break
		}
	}
	return i
}

// logfmtQuoted returns the length of the longest prefix of s that a quoted
// logfmt value holds as it is: ASCII without control characters, DEL, '"'
// and '\'.
func logfmtQuoted(s string) int {
	i := 0
	for ; i+8 <= len(s) && quotedHit(load64(s, i)) == 0; i += 8 {
	}
	if x, ok := tailWord(s, i); ok && quotedHit(x) == 0 {
		return len(s)
	}
	for ; i < len(s); i++ {
		if c := s[i]; c < ' ' || c == '"' || c == '\\' || c >= 0x7f {
			break
		}
	}
	return i
}
