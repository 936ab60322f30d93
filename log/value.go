package log

import (
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/endpointkit/kit/log/internal/core"
	"github.com/endpointkit/kit/log/internal/format"
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
	f := &timeLayout{layout: layout, bare: !format.NeedsQuotes(layout) && format.JSONSafe(layout)}
	return func() any { return timeFormat{t: t(), layout: f} }
}

// DefaultTimestamp is a Valuer that returns the current wall-clock time in
// the local time zone, written as RFC 3339 with nanoseconds. It and the
// other Default Valuers are package variables, as in Go kit, so that
// existing code keeps compiling; treat them as constants.
//
// Bound by With, WithPrefix or WithSuffix over one of this package's
// encoders, DefaultTimestamp and DefaultTimestampUTC cost no allocation: the
// context recognises them and the encoder reads the clock itself, during the
// same Log call. Other Valuers return their value boxed in an interface,
// which usually allocates.
var DefaultTimestamp Valuer = defaultTimestamp

// DefaultTimestampUTC is like DefaultTimestamp but in UTC.
var DefaultTimestampUTC Valuer = defaultTimestampUTC

// rfc3339Nano is the layout of the default timestamps; it is never modified.
var rfc3339Nano = &timeLayout{layout: time.RFC3339Nano, bare: true}

func defaultTimestamp() any { return timeFormat{t: time.Now(), layout: rfc3339Nano} }

func defaultTimestampUTC() any { return timeFormat{t: time.Now().UTC(), layout: rfc3339Nano} }

// nowValue stands for DefaultTimestamp or DefaultTimestampUTC in the keyvals
// that a context passes straight to an encoder (never to other Loggers):
// the encoder formats the current time without boxing it, through a cache
// of the current second's text. Each encoder holds its two nowValues.
type nowValue struct {
	utc    bool
	stamps format.StampCache
}

// nowValues are an encoder's nowValues.
type nowValues struct{ local, utc nowValue }

func newNowValues() nowValues { return nowValues{utc: nowValue{utc: true}} }

// appendNow appends the current time as RFC 3339 with nanoseconds.
func (n *nowValue) appendNow(dst []byte) []byte {
	t := time.Now()
	if n.utc {
		t = t.UTC()
	}
	return n.stamps.AppendRFC3339Nano(dst, t)
}

// asNowValue returns the nowValue of nv for v if v is DefaultTimestamp or
// DefaultTimestampUTC, comparing code pointers: Valuers are funcs, which Go
// cannot compare, and these two are top-level functions, not closures.
func asNowValue(v Valuer, nv *nowValues) *nowValue {
	switch reflect.ValueOf(v).Pointer() {
	case reflect.ValueOf(defaultTimestamp).Pointer():
		return &nv.local
	case reflect.ValueOf(defaultTimestampUTC).Pointer():
		return &nv.utc
	}
	return nil
}

// Caller returns a Valuer that returns the "file:line" of a caller of the
// Log call, depth frames up the stack counted from the Valuer itself: 3 is
// the function that called Log on a Logger returned by With, WithPrefix or
// WithSuffix, or by the level helpers. Frames of the level package's
// Logger, which sits between its callers and the context, are not counted.
func Caller(depth int) Valuer {
	return func() any {
		var pcs [4]uintptr
		n := runtime.Callers(depth+1, pcs[:]) // 0 is Callers itself
		frames := runtime.CallersFrames(pcs[:n])
		for {
			f, more := frames.Next()
			if f.PC == 0 {
				return "???"
			}
			if !core.InLevelPackage(f.Function) || !more {
				return f.File[strings.LastIndexByte(f.File, '/')+1:] + ":" + strconv.Itoa(f.Line)
			}
		}
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
