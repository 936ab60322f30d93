package log

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/endpointkit/kit/log/internal/format"
)

// NewJSONLogger returns a Logger that encodes each Log call as one JSON
// object on its own line and writes it to w with a single Write call.
//
// The line is valid JSON whatever the keyvals: keys that are not strings are
// written as their text; NaN and infinities as the strings "NaN", "+Inf" and
// "-Inf"; invalid UTF-8 is replaced by U+FFFD; errors, fmt.Stringers and
// encoding.TextMarshalers become strings; json.Marshalers and other values
// (maps, slices, structs) are marshalled with encoding/json, and a value it
// cannot marshal is written as its fmt text instead. Keys are written in
// order; a repeated key is repeated, and JSON readers keep the last. An odd
// number of keyvals gets [ErrMissingValue] as its last value.
//
// The Logger is safe for concurrent use when w is; see [NewSyncWriter].
func NewJSONLogger(w io.Writer) Logger { return newEncoder(w, true) }

// appendJSONPairs appends the members of keyvals, preceded by a comma if
// more is set, with ErrMissingValue for an odd key.
func appendJSONPairs(dst []byte, keyvals []any, more bool) []byte {
	for i := 0; i < len(keyvals); i += 2 {
		if more || i > 0 {
			dst = append(dst, ',')
		}
		// Keys are mostly plain strings: they are tested first.
		if s, ok := keyvals[i].(string); ok && format.JSONClean(s) {
			// The common case, inline.
			dst = append(dst, '"')
			dst = append(dst, s...)
			dst = append(dst, '"')
		} else if p, ok := keyvals[i].(*preEncoded); ok {
			dst = append(dst, p.b...)
			if p.now != nil {
				dst = append(p.now.appendNow(append(dst, '"')), '"')
				dst = append(dst, p.after...)
			}
			continue
		} else {
			dst = appendJSONKey(dst, keyvals[i])
		}
		dst = append(dst, ':')
		if i+1 < len(keyvals) {
			if s, ok := keyvals[i+1].(string); ok {
				dst = format.AppendJSONString(dst, s) // the common case, one call less
			} else {
				dst = appendJSONValue(dst, keyvals[i+1])
			}
		} else {
			dst = appendJSONValue(dst, ErrMissingValue)
		}
	}
	return dst
}

// appendJSONKey appends k as a JSON string: a string as it is, other keys
// as their text.
func appendJSONKey(dst []byte, k any) []byte {
	if s, ok := k.(string); ok {
		return format.AppendJSONString(dst, s)
	}
	return format.AppendJSONString(dst, string(appendPlain(nil, k)))
}

func appendJSONValue(dst []byte, v any) []byte {
	// The common types first, all concrete, which Go tests at once.
	switch x := v.(type) {
	case string:
		return format.AppendJSONString(dst, x)
	case int:
		return format.AppendInt(dst, int64(x))
	case float64:
		return format.AppendJSONFloat(dst, x, 64)
	case bool:
		if x {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case time.Duration:
		dst = append(dst, '"')
		return append(format.AppendDuration(dst, x), '"')
	case *nowValue:
		dst = append(dst, '"')
		return append(x.appendNow(dst), '"')
	case time.Time:
		// Before json.Marshaler, which time.Time implements at a cost.
		dst = append(dst, '"')
		return append(format.AppendRFC3339Nano(dst, x), '"')
	case int64:
		return format.AppendInt(dst, x)
	case nil:
		return append(dst, "null"...)
	case []byte:
		return format.AppendJSONString(dst, string(x))
	case float32:
		return format.AppendJSONFloat(dst, float64(x), 32)
	case timeFormat:
		if x.layout == rfc3339Nano {
			dst = append(dst, '"')
			return append(format.AppendRFC3339Nano(dst, x.t), '"')
		}
		if x.layout.bare {
			dst = append(dst, '"')
			return append(x.t.AppendFormat(dst, x.layout.layout), '"')
		}
	case json.Marshaler:
		return appendMarshalled(dst, v)
	case error:
		s, null := safeError(x)
		if null {
			return append(dst, "null"...)
		}
		return format.AppendJSONString(dst, s)
	}
	if b, ok := appendScalar(dst, v); ok {
		return b // bools and integers: floats, times and durations are above
	}
	switch v.(type) {
	case error, fmt.Stringer, interface{ MarshalText() ([]byte, error) }:
		s, null := stringOf(v)
		if null {
			return append(dst, "null"...)
		}
		return format.AppendJSONString(dst, s)
	}
	return appendMarshalled(dst, v)
}

// appendMarshalled appends v as encoding/json marshals it, or its fmt text as
// a string when it cannot be marshalled or marshalling panics.
func appendMarshalled(dst []byte, v any) (out []byte) {
	defer func() {
		if p := recover(); p != nil {
			s, null := panicText(v, "MarshalJSON", p)
			if null {
				out = append(dst, "null"...)
			} else {
				out = format.AppendJSONString(dst, s)
			}
		}
	}()
	b, err := json.Marshal(v)
	if err != nil {
		return format.AppendJSONString(dst, fmt.Sprintf("%+v", v))
	}
	return append(dst, b...)
}
