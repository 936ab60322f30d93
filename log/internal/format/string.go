package format

import (
	"math"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// This file escapes and quotes the strings of log lines: keys and values
// in logfmt, strings in JSON.

func AppendLogfmtKey(dst []byte, s string) []byte {
	if s != "" && BareClean(s) {
		return append(dst, s...) // the common case
	}
	if s == "" {
		return append(dst, '_')
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c <= ' ' || c == '=' || c == '"' || c == 0x7f {
				c = '_'
			}
			dst = append(dst, c)
			i++
			continue
		}
		// Invalid UTF-8, and U+FFFD which stands for it, would make
		// logfmt readers reject the key.
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError {
			dst = append(dst, '_')
		} else {
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return dst
}

// AppendLogfmtString appends s bare when a logfmt reader would read it back
// unchanged, and quoted otherwise.
func AppendLogfmtString(dst []byte, s string) []byte {
	bare, quoted := LogfmtClean(s)
	if bare {
		return append(dst, s...)
	}
	if quoted {
		dst = append(dst, '"')
		dst = append(dst, s...)
		return append(dst, '"')
	}
	if quoteFrom(s) < 0 {
		return append(dst, s...)
	}
	// The bytes before the one that needs quotes may still hold
	// backslashes, which are fine bare but not quoted: rescan from the
	// start, which costs little next to the copy.
	dst = append(dst, '"')
	start := 0
	i := LogfmtQuoted(s)
	for i < len(s) {
		// s[i] is an ASCII byte to escape or the start of a rune.
		if c := s[i]; c < utf8.RuneSelf {
			dst = append(dst, s[start:i]...)
			dst = appendEscape(dst, c)
			i++
			start = i
		} else {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				dst = append(dst, s[start:i]...)
				dst = append(dst, "\uFFFD"...)
				start = i + size
			}
			i += size
		}
		i += LogfmtQuoted(s[i:])
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// NeedsQuotes reports whether s must be quoted: it contains a space, '=',
// '"', a control character, a non-printable rune, invalid UTF-8 or U+FFFD.
// The empty string is written bare (k=), as logfmt readers expect.
func NeedsQuotes(s string) bool { return quoteFrom(s) >= 0 }

// quoteFrom returns the index of the first byte of s that makes it need
// quotes, or -1.
func quoteFrom(s string) int {
	for i := LogfmtBare(s); i < len(s); i += LogfmtBare(s[i:]) {
		if s[i] < utf8.RuneSelf {
			return i
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			return i
		}
		i += size
	}
	return -1
}

const hexDigits = "0123456789abcdef"

// appendEscape appends the escape sequence of an ASCII byte that may not
// appear raw inside a quoted string. Both encoders use JSON's escapes, which
// logfmt readers understand too.
func appendEscape(dst []byte, c byte) []byte {
	switch c {
	case '"', '\\':
		return append(dst, '\\', c)
	case '\n':
		return append(dst, '\\', 'n')
	case '\r':
		return append(dst, '\\', 'r')
	case '\t':
		return append(dst, '\\', 't')
	}
	return append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
}

func AppendJSONFloat(dst []byte, f float64, bits int) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, `"NaN"`...)
	case math.IsInf(f, 1):
		return append(dst, `"+Inf"`...)
	case math.IsInf(f, -1):
		return append(dst, `"-Inf"`...)
	}
	if bits == 64 {
		return AppendFloat64(dst, f)
	}
	return strconv.AppendFloat(dst, f, 'g', -1, bits)
}

// AppendJSONString appends s as a JSON string. Unlike encoding/json it does
// not escape <, > and &: log lines are not HTML.
func AppendJSONString(dst []byte, s string) []byte {
	if JSONClean(s) {
		dst = append(dst, '"')
		dst = append(dst, s...)
		return append(dst, '"')
	}
	i := JSONPlain(s)
	if i == len(s) {
		dst = append(dst, '"')
		dst = append(dst, s...)
		return append(dst, '"')
	}
	dst = append(dst, '"')
	start := 0
	for i < len(s) {
		// s[i] is an ASCII byte to escape or the start of a rune.
		if c := s[i]; c < utf8.RuneSelf {
			dst = append(dst, s[start:i]...)
			dst = appendEscape(dst, c)
			i++
			start = i
		} else {
			r, size := utf8.DecodeRuneInString(s[i:])
			switch {
			case r == utf8.RuneError && size == 1:
				dst = append(dst, s[start:i]...)
				dst = append(dst, `\ufffd`...)
				start = i + size
			case r == '\u2028' || r == '\u2029':
				// Valid JSON, but not valid JavaScript before ES2019.
				dst = append(dst, s[start:i]...)
				dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
				start = i + size
			}
			i += size
		}
		i += JSONPlain(s[i:])
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

func JSONSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c == '"' || c == '\\' || c >= 0x80 {
			return false
		}
	}
	return true
}
