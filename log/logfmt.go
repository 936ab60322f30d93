package log

import (
	"io"
	"time"
	"unicode"
	"unicode/utf8"
)

// NewLogfmtLogger returns a Logger that encodes each Log call as one logfmt
// line (key=value pairs separated by spaces, ended by a newline) and writes it
// to w with a single Write call.
//
// Values are bare when that is safe and quoted otherwise, with `"`, `\` and
// control characters escaped and invalid UTF-8 replaced by U+FFFD. Keys are
// never quoted: spaces, '=', '"', control characters and invalid UTF-8 in
// them become '_'.
// nil is written as null; errors, fmt.Stringers and encoding.TextMarshalers
// by their text; time.Time as RFC 3339 with nanoseconds; time.Duration as its
// String. An odd number of keyvals gets [ErrMissingValue] as its last value.
//
// The Logger is safe for concurrent use when w is: an *os.File is, a
// bytes.Buffer or bufio.Writer is not and needs [NewSyncWriter].
func NewLogfmtLogger(w io.Writer) Logger {
	l := &logfmtLogger{w: w, now: newNowValues()}
	l.lines = &lineWriter{json: false, w: w, now: &l.now}
	return l
}

type logfmtLogger struct {
	w     io.Writer
	now   nowValues   // for the contexts that write to this encoder
	lines *lineWriter // writes lines without bound pairs
}

func (l *logfmtLogger) Log(keyvals ...any) error {
	return l.logParts(nil, keyvals, nil)
}

// logParts writes one line made of the pairs of prefix, keyvals and suffix.
// Contexts call it directly, which saves merging the three into one slice.
func (l *logfmtLogger) logParts(prefix, keyvals, suffix []any) error {
	line := getLine()
	b := line.b
	if len(prefix) > 0 {
		// Most contexts bind a timestamp and constants, which preEncode
		// turns into one pair: it is appended here, without the loop.
		if p, ok := prefix[0].(*preEncoded); ok && len(prefix) == 2 {
			b = p.appendTo(b)
		} else {
			b = appendLogfmtPairs(b, prefix, false)
		}
	}
	b = appendLogfmtPairs(b, keyvals, len(prefix) > 0)
	if len(suffix) > 0 {
		b = appendLogfmtPairs(b, suffix, len(prefix)+len(keyvals) > 0)
	}
	line.b = append(b, '\n')
	_, err := l.w.Write(line.b)
	putLine(line)
	return err
}

// appendLogfmtPairs appends the pairs of keyvals, preceded by a space if
// more is set, with ErrMissingValue for an odd key.
func appendLogfmtPairs(dst []byte, keyvals []any, more bool) []byte {
	for i := 0; i < len(keyvals); i += 2 {
		if more || i > 0 {
			dst = append(dst, ' ')
		}
		// Keys are mostly plain strings: they are tested first.
		if s, ok := keyvals[i].(string); ok && s != "" && bareClean(s) {
			dst = append(dst, s...) // the common case, inline
		} else if p, ok := keyvals[i].(*preEncoded); ok {
			dst = p.appendTo(dst)
			continue
		} else {
			dst = appendLogfmtKey(dst, keyvals[i])
		}
		dst = append(dst, '=')
		if i+1 < len(keyvals) {
			if s, ok := keyvals[i+1].(string); ok {
				dst = appendLogfmtString(dst, s) // the common case, one call less
			} else {
				dst = appendLogfmtValue(dst, keyvals[i+1])
			}
		} else {
			dst = appendLogfmtValue(dst, ErrMissingValue)
		}
	}
	return dst
}

func appendLogfmtKey(dst []byte, k any) []byte {
	s, ok := k.(string)
	if !ok {
		// Non-string keys are rare; their text needs a scratch buffer.
		s = string(appendPlain(nil, k))
	}
	return appendLogfmtKeyString(dst, s)
}

func appendLogfmtKeyString(dst []byte, s string) []byte {
	if s != "" && bareClean(s) {
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

func appendLogfmtValue(dst []byte, v any) []byte {
	// The common types first, all concrete, which Go tests at once.
	switch x := v.(type) {
	case string:
		return appendLogfmtString(dst, x)
	case int:
		return appendInt(dst, int64(x))
	case float64:
		return appendFloat64(dst, x)
	case bool:
		if x {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case time.Duration:
		return appendDuration(dst, x)
	case *nowValue:
		return x.appendNow(dst)
	case time.Time:
		return appendRFC3339Nano(dst, x)
	case int64:
		return appendInt(dst, x)
	case nil:
		return append(dst, "null"...)
	case []byte:
		return appendLogfmtString(dst, string(x))
	case timeFormat:
		if x.layout == rfc3339Nano {
			return appendRFC3339Nano(dst, x.t)
		}
		if x.layout.bare {
			return x.t.AppendFormat(dst, x.layout.layout)
		}
	case error:
		s, null := safeError(x)
		if null {
			return append(dst, "null"...)
		}
		return appendLogfmtString(dst, s)
	}
	if b, ok := appendScalar(dst, v); ok {
		return b
	}
	s, null := stringOf(v)
	if null {
		return append(dst, "null"...)
	}
	return appendLogfmtString(dst, s)
}

// appendLogfmtString appends s bare when a logfmt reader would read it back
// unchanged, and quoted otherwise.
func appendLogfmtString(dst []byte, s string) []byte {
	bare, quoted := logfmtClean(s)
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
	i := logfmtQuoted(s)
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
		i += logfmtQuoted(s[i:])
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// needsQuotes reports whether s must be quoted: it contains a space, '=',
// '"', a control character, a non-printable rune, invalid UTF-8 or U+FFFD.
// The empty string is written bare (k=), as logfmt readers expect.
func needsQuotes(s string) bool { return quoteFrom(s) >= 0 }

// quoteFrom returns the index of the first byte of s that makes it need
// quotes, or -1.
func quoteFrom(s string) int {
	for i := logfmtBare(s); i < len(s); i += logfmtBare(s[i:]) {
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
