package log

import (
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Valuer generates a log value. When a Valuer is bound as a value by With,
// WithPrefix or WithSuffix, it is called on every Log call and its result
// logged in its place. Valuers passed directly to Log are logged as they are.
// A Valuer is called from the logging goroutine and must be safe for
// concurrent use.
type Valuer func() any

// Timestamp returns a Valuer that calls t and returns the time.Time, which
// encoders write as RFC 3339 with nanoseconds.
func Timestamp(t func() time.Time) Valuer {
	return func() any { return t() }
}

// TimestampFormat returns a Valuer that calls t and returns a value whose
// text is the time formatted with layout. The value implements fmt.Stringer
// and encoding.TextMarshaler for Loggers other than kit's encoders, which
// format it without allocating.
func TimestampFormat(t func() time.Time, layout string) Valuer {
	f := &timeLayout{layout: layout, bare: !needsQuotes(layout) && jsonSafe(layout)}
	return func() any { return timeFormat{t: t(), layout: f} }
}

// DefaultTimestamp is a Valuer that returns the current wall-clock time in
// the local time zone, written as RFC 3339 with nanoseconds. It and the
// other Default Valuers are package variables, as in Go kit, so that
// existing code keeps compiling; treat them as constants.
var DefaultTimestamp = TimestampFormat(time.Now, time.RFC3339Nano)

// DefaultTimestampUTC is like DefaultTimestamp but in UTC.
var DefaultTimestampUTC = TimestampFormat(func() time.Time { return time.Now().UTC() }, time.RFC3339Nano)

// Caller returns a Valuer that returns the "file:line" of a caller of the
// Log call, depth frames up the stack counted from the Valuer itself: 3 is
// the function that called Log on a Logger returned by With, WithPrefix or
// WithSuffix (and the level helpers, which use WithPrefix).
func Caller(depth int) Valuer {
	return func() any {
		_, file, line, ok := runtime.Caller(depth)
		if !ok {
			return "???"
		}
		return file[strings.LastIndexByte(file, '/')+1:] + ":" + strconv.Itoa(line)
	}
}

// DefaultCaller is a Valuer that returns the file and line where the Log
// method was invoked. It can only be used with With, WithPrefix, WithSuffix
// and the level helpers.
var DefaultCaller = Caller(3)

// timeLayout is the part of a timeFormat shared by every value of one
// Valuer, so that each value stays two words plus a time.
type timeLayout struct {
	layout string
	// bare is true when the formatted time never needs quoting or
	// escaping in logfmt or JSON: the layout has no spaces, quotes, '=',
	// backslashes, control characters or non-ASCII bytes.
	bare bool
}

type timeFormat struct {
	t      time.Time
	layout *timeLayout
}

// String returns the formatted time.
func (f timeFormat) String() string { return f.t.Format(f.layout.layout) }

// MarshalText returns the formatted time.
func (f timeFormat) MarshalText() ([]byte, error) {
	return f.t.AppendFormat(nil, f.layout.layout), nil
}

func jsonSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c == '"' || c == '\\' || c >= 0x80 {
			return false
		}
	}
	return true
}
