package log

import (
	"io"
	"time"

	"github.com/endpointkit/kit/log/internal/format"
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
func NewLogfmtLogger(w io.Writer) Logger { return newEncoder(w, false) }

// appendLogfmtPairs appends the pairs of keyvals, preceded by a space if
// more is set, with ErrMissingValue for an odd key.
func appendLogfmtPairs(dst []byte, keyvals []any, more bool) []byte {
	for i := 0; i < len(keyvals); i += 2 {
		if more || i > 0 {
			dst = append(dst, ' ')
		}
		// Keys are mostly plain strings: they are tested first.
		if s, ok := keyvals[i].(string); ok && s != "" && format.BareClean(s) {
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
				dst = format.AppendLogfmtString(dst, s) // the common case, one call less
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
	return format.AppendLogfmtKey(dst, s)
}

func appendLogfmtValue(dst []byte, v any) []byte {
	// The common types first, all concrete, which Go tests at once.
	switch x := v.(type) {
	case string:
		return format.AppendLogfmtString(dst, x)
	case int:
		return format.AppendInt(dst, int64(x))
	case float64:
		return format.AppendFloat64(dst, x)
	case bool:
		if x {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case time.Duration:
		return format.AppendDuration(dst, x)
	case *nowValue:
		return x.appendNow(dst)
	case time.Time:
		return format.AppendRFC3339Nano(dst, x)
	case int64:
		return format.AppendInt(dst, x)
	case nil:
		return append(dst, "null"...)
	case []byte:
		return format.AppendLogfmtString(dst, string(x))
	case timeFormat:
		if x.layout == rfc3339Nano {
			return format.AppendRFC3339Nano(dst, x.t)
		}
		if x.layout.bare {
			return x.t.AppendFormat(dst, x.layout.layout)
		}
	case error:
		s, null := safeError(x)
		if null {
			return append(dst, "null"...)
		}
		return format.AppendLogfmtString(dst, s)
	}
	if b, ok := appendScalar(dst, v); ok {
		return b
	}
	s, null := stringOf(v)
	if null {
		return append(dst, "null"...)
	}
	return format.AppendLogfmtString(dst, s)
}
