package log

import (
	"encoding"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"time"

	"github.com/endpointkit/kit/log/internal/format"
)

// This file turns arbitrary values into text for both encoders. The hot
// types (strings, numbers, bools, times, durations, errors) are appended to
// the line buffer directly, without allocating; everything else goes through
// its Error, String or MarshalText method, or fmt as a last resort.
//
// Methods of user types may panic, typically a String method on a nil
// pointer receiver. Every such call is guarded: a nil receiver is logged as
// null and any other panic as a PANIC= text, and the caller never crashes.

// stringOf returns the text of v for types without a dedicated encoding:
// error, fmt.Stringer, encoding.TextMarshaler and, failing those, fmt's %+v.
// null reports that v is a nil pointer whose method panicked.
func stringOf(v any) (s string, null bool) {
	switch x := v.(type) {
	case error:
		return safeError(x)
	case fmt.Stringer:
		return safeString(x)
	case encoding.TextMarshaler:
		return safeText(x)
	default:
		return fmt.Sprintf("%+v", v), false
	}
}

func safeError(e error) (s string, null bool) {
	if reflect.TypeOf(e) == plainErrorType && e != nilPlainError {
		// Most errors come from errors.New, whose Error returns a field:
		// it cannot panic, given a non-nil pointer, and needs no guard.
		return e.Error(), false
	}
	return guardedError(e)
}

// plainErrorType is the type of the errors errors.New returns, and
// nilPlainError its nil pointer, as an error; neither is ever modified.
var (
	plainErrorType = reflect.TypeOf(errors.New(""))
	nilPlainError  = reflect.Zero(plainErrorType).Interface().(error)
)

func guardedError(e error) (s string, null bool) {
	defer func() {
		if p := recover(); p != nil {
			s, null = panicText(e, "Error", p)
		}
	}()
	return e.Error(), false
}

func safeString(st fmt.Stringer) (s string, null bool) {
	defer func() {
		if p := recover(); p != nil {
			s, null = panicText(st, "String", p)
		}
	}()
	return st.String(), false
}

func safeText(m encoding.TextMarshaler) (s string, null bool) {
	defer func() {
		if p := recover(); p != nil {
			s, null = panicText(m, "MarshalText", p)
		}
	}()
	b, err := m.MarshalText()
	if err != nil {
		return "ERROR=MarshalText: " + err.Error(), false
	}
	return string(b), false
}

// panicText describes a panic raised by v's method. A nil pointer receiver is
// the common case and is reported as null, as if v itself were nil.
func panicText(v any, method string, p any) (string, bool) {
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer && rv.IsNil() {
		return "", true
	}
	return fmt.Sprintf("PANIC=%s method: %v", method, p), false
}

// appendPlain appends the unquoted text of v. It is used for keys that are
// not strings, which are rare, and by tests.
func appendPlain(dst []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...)
	case string:
		return append(dst, x...)
	case []byte:
		return append(dst, x...)
	}
	if b, ok := appendScalar(dst, v); ok {
		return b
	}
	s, null := stringOf(v)
	if null {
		return append(dst, "null"...)
	}
	return append(dst, s...)
}

// appendScalar appends the text of numbers, bools, times and durations,
// whose text never needs quoting in logfmt, and reports whether v was one of
// them. Floats are handled by the callers, since JSON spells NaN differently.
func appendScalar(dst []byte, v any) ([]byte, bool) {
	switch x := v.(type) {
	case bool:
		return strconv.AppendBool(dst, x), true
	case int:
		return format.AppendInt(dst, int64(x)), true
	case int8:
		return strconv.AppendInt(dst, int64(x), 10), true
	case int16:
		return strconv.AppendInt(dst, int64(x), 10), true
	case int32:
		return strconv.AppendInt(dst, int64(x), 10), true
	case int64:
		return format.AppendInt(dst, x), true
	case uint:
		return strconv.AppendUint(dst, uint64(x), 10), true
	case uint8:
		return strconv.AppendUint(dst, uint64(x), 10), true
	case uint16:
		return strconv.AppendUint(dst, uint64(x), 10), true
	case uint32:
		return strconv.AppendUint(dst, uint64(x), 10), true
	case uint64:
		return strconv.AppendUint(dst, x, 10), true
	case uintptr:
		return strconv.AppendUint(dst, uint64(x), 10), true
	case float32:
		return strconv.AppendFloat(dst, float64(x), 'g', -1, 32), true
	case float64:
		return format.AppendFloat64(dst, x), true
	case time.Time:
		return format.AppendRFC3339Nano(dst, x), true
	case time.Duration:
		return format.AppendDuration(dst, x), true
	}
	return dst, false
}
