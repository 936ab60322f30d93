package format

// This file finds where a string stops being plain text that an encoder can
// copy as it is. Most keys and values are plain ASCII, so the encoders spend
// much of their time in these scans: strings shorter than eight bytes are
// scanned a byte at a time with a table, longer ones eight bytes at a time.
//
// Each word scan tests a word of eight bytes at once with the usual bit tricks:
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

// Bits of byteClass: what a byte may be, as it is, in each context.
const (
	jsonPlainByte    = 1 << iota // in a JSON string
	logfmtBareByte               // in a bare logfmt key or value
	logfmtQuotedByte             // in a quoted logfmt value
)

// byteClass holds the bits of each byte value. Short strings, most keys
// among them, are scanned with it a byte at a time: cheaper than the word
// tests below eight bytes. It is computed once and never modified.
var byteClass = func() (t [256]uint8) {
	for c := range 0x80 {
		if c >= ' ' && c != '"' && c != '\\' {
			t[c] |= jsonPlainByte
		}
		if c > ' ' && c != '=' && c != '"' && c != 0x7f {
			t[c] |= logfmtBareByte
		}
		if c >= ' ' && c != '"' && c != '\\' && c != 0x7f {
			t[c] |= logfmtQuotedByte
		}
	}
	return t
}()

// scanBytes returns the index of the first byte of s from i without bit,
// or len(s).
func scanBytes(s string, i int, bit uint8) int {
	for ; i < len(s) && byteClass[s[i]]&bit != 0; i++ {
	}
	return i
}

// JSONPlain returns the length of the longest prefix of s that a JSON
// string holds as it is: ASCII without control characters, '"' and '\\'.
func JSONPlain(s string) int {
	if len(s) < 8 {
		return scanBytes(s, 0, jsonPlainByte)
	}
	i := 0
	for ; i+8 <= len(s); i += 8 {
		if x := load64(s, i); jsonHit(x) != 0 {
			return scanBytes(s, i, jsonPlainByte)
		}
	}
	if i < len(s) {
		// The last eight bytes, overlapping bytes already scanned.
		if x := load64(s, len(s)-8); jsonHit(x) != 0 {
			return scanBytes(s, i, jsonPlainByte)
		}
	}
	return len(s)
}

// LogfmtBare returns the length of the longest prefix of s that a logfmt
// value or key holds bare: printable ASCII without '=' and '"'.
func LogfmtBare(s string) int {
	if len(s) < 8 {
		return scanBytes(s, 0, logfmtBareByte)
	}
	i := 0
	for ; i+8 <= len(s); i += 8 {
		if x := load64(s, i); bareHit(x) != 0 {
			return scanBytes(s, i, logfmtBareByte)
		}
	}
	if i < len(s) && bareHit(load64(s, len(s)-8)) != 0 {
		return scanBytes(s, i, logfmtBareByte)
	}
	return len(s)
}

// LogfmtQuoted returns the length of the longest prefix of s that a quoted
// logfmt value holds as it is: ASCII without control characters, DEL, '"'
// and '\\'.
func LogfmtQuoted(s string) int {
	if len(s) < 8 {
		return scanBytes(s, 0, logfmtQuotedByte)
	}
	i := 0
	for ; i+8 <= len(s); i += 8 {
		if x := load64(s, i); quotedHit(x) != 0 {
			return scanBytes(s, i, logfmtQuotedByte)
		}
	}
	if i < len(s) && quotedHit(load64(s, len(s)-8)) != 0 {
		return scanBytes(s, i, logfmtQuotedByte)
	}
	return len(s)
}

// jsonHit, bareHit and quotedHit are non-zero when some byte of x may not
// be in a JSON string, a bare or a quoted logfmt value.
func jsonHit(x uint64) uint64 { return below(x, ' ') | equal(x, '"') | equal(x, '\\') | x&hi }

// jsonHitFast is jsonHit in fewer operations, by bareHitFast's method.
func jsonHitFast(x uint64) uint64 {
	q, b := x^(lo*'"'), x^(lo*'\\')
	return (^(x + lo*0x60) | x | (q-lo)&^q | (b-lo)&^b) & hi
}

func bareHit(x uint64) uint64 {
	e, q := x^(lo*'='), x^(lo*'"')
	// x&^hi + lo carries into the high bit of the bytes 0x7f and 0xff only.
	return ((x-lo*(' '+1))&^x | (e-lo)&^e | (q-lo)&^q | (x&^hi + lo) | x) & hi
}

// bareHitFast is bareHit in fewer operations. When no byte of x has its
// high bit set (x&hi is zero), no addition carries into the next byte, and
// a byte c has c+0x5f < 0x80 when c ≤ ' ', and c+1 ≥ 0x80 when c is 0x7f.
func bareHitFast(x uint64) uint64 {
	e, q := x^(lo*'='), x^(lo*'"')
	return (^(x + lo*0x5f) | (x + lo) | x | (e-lo)&^e | (q-lo)&^q) & hi
}

func quotedHit(x uint64) uint64 {
	q, b := x^(lo*'"'), x^(lo*'\\')
	return ((x-lo*' ')&^x | (q-lo)&^q | (b-lo)&^b | (x&^hi + lo) | x) & hi
}

// quotedHitFast is quotedHit in fewer operations, by bareHitFast's method:
// a byte c < 0x80 has c+0x60 < 0x80 when c < ' '.
func quotedHitFast(x uint64) uint64 {
	q, b := x^(lo*'"'), x^(lo*'\\')
	return (^(x + lo*0x60) | (x + lo) | x | (q-lo)&^q | (b-lo)&^b) & hi
}

// The Clean scans below answer only whether a whole string is plain, which
// is what the encoders ask first: they test every byte a word at a time,
// strings shorter than a word included (loaded as overlapping halves,
// which repeat some bytes: the tests do not mind), and
// leave finding where a string stops being plain to the scans above, on the
// rare strings that are not.

// JSONClean reports whether JSONPlain(s) == len(s).
func JSONClean(s string) bool {
	n := len(s)
	if n < 8 {
		return n == 0 || jsonHitFast(short(s)) == 0
	}
	var hits uint64
	for i := 0; i+8 <= n; i += 8 {
		hits |= jsonHitFast(load64(s, i))
	}
	return hits|jsonHitFast(load64(s, n-8)) == 0
}

// BareClean reports whether LogfmtBare(s) == len(s).
func BareClean(s string) bool {
	n := len(s)
	if n < 8 {
		return n == 0 || bareHitFast(short(s)) == 0
	}
	var hits uint64
	for i := 0; i+8 <= n; i += 8 {
		hits |= bareHitFast(load64(s, i))
	}
	return hits|bareHitFast(load64(s, n-8)) == 0
}

// QuotedClean reports whether LogfmtQuoted(s) == len(s).
func QuotedClean(s string) bool {
	n := len(s)
	if n < 8 {
		return n == 0 || quotedHitFast(short(s)) == 0
	}
	var hits uint64
	for i := 0; i+8 <= n; i += 8 {
		hits |= quotedHitFast(load64(s, i))
	}
	return hits|quotedHitFast(load64(s, n-8)) == 0
}

// short packs a string of 1 to 7 bytes into one word holding every byte
// of it (some twice), for the Clean scans.
func short(s string) uint64 {
	switch n := len(s); {
	case n >= 4:
		// Two overlapping halves: every byte of s is in x.
		return load32(s, 0) | load32(s, n-4)<<32
	case n >= 2:
		x := load16(s, 0) | load16(s, n-2)<<16
		return x | x<<32
	}
	return uint64(s[0]) * lo
}

// load32 returns the four bytes of s from i as a little-endian word.
func load32(s string, i int) uint64 {
	s = s[i : i+4]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24
}

// load16 returns the two bytes of s from i as a little-endian word.
func load16(s string, i int) uint64 {
	s = s[i : i+2]
	return uint64(s[0]) | uint64(s[1])<<8
}

// LogfmtClean reports BareClean(s) and QuotedClean(s), testing each word
// once: values that are not bare are mostly text with spaces.
func LogfmtClean(s string) (bare, quoted bool) {
	var x uint64
	switch n := len(s); {
	case n >= 8:
		var b, q uint64
		for i := 0; i+8 <= n; i += 8 {
			x = load64(s, i)
			b |= bareHitFast(x)
			q |= quotedHitFast(x)
		}
		x = load64(s, n-8)
		return b|bareHitFast(x) == 0, q|quotedHitFast(x) == 0
	case n >= 4:
		x = load32(s, 0) | load32(s, n-4)<<32
	case n >= 2:
		x = load16(s, 0) | load16(s, n-2)<<16
		x |= x << 32
	case n == 1:
		x = uint64(s[0]) * lo
	default:
		return true, true
	}
	return bareHitFast(x) == 0, quotedHitFast(x) == 0
}
