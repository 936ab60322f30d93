package level

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/endpointkit/kit/log"
)

// Value is a level, as logged by the level helpers and recognised by
// filters. Its String is the level's name: "debug", "info", "warn" or
// "error". Only this package's values implement it.
type Value interface {
	String() string
	levelVal()
}

type levelValue struct {
	name string
	bit  allowed
}

func (v *levelValue) String() string { return v.name }
func (*levelValue) levelVal()        {}

// allowed is a set of levels, one bit per level.
type allowed uint8

const (
	bitDebug allowed = 1 << iota
	bitInfo
	bitWarn
	bitError
)

// The four values are the only ones: filters compare by identity.
var (
	debugValue = &levelValue{"debug", bitDebug}
	infoValue  = &levelValue{"info", bitInfo}
	warnValue  = &levelValue{"warn", bitWarn}
	errorValue = &levelValue{"error", bitError}
)

// Key returns the key of the level in keyvals: "level".
func Key() any { return "level" }

// DebugValue returns the debug level.
func DebugValue() Value { return debugValue }

// InfoValue returns the info level.
func InfoValue() Value { return infoValue }

// WarnValue returns the warn level.
func WarnValue() Value { return warnValue }

// ErrorValue returns the error level.
func ErrorValue() Value { return errorValue }

// Debug returns a Logger that puts the debug level first in every line.
func Debug(logger log.Logger) Logger { return withLevel(logger, debugValue) }

// Info returns a Logger that puts the info level first in every line.
func Info(logger log.Logger) Logger { return withLevel(logger, infoValue) }

// Warn returns a Logger that puts the warn level first in every line.
func Warn(logger log.Logger) Logger { return withLevel(logger, warnValue) }

// Error returns a Logger that puts the error level first in every line.
func Error(logger log.Logger) Logger { return withLevel(logger, errorValue) }

// Logger is the log.Logger the level helpers return. It is a concrete type,
// not the interface Go kit's helpers return, so that the compiler sees which
// Log method a call such as level.Debug(logger).Log("msg", m) runs: that
// method keeps no reference to its keyvals, so the caller builds them on
// the stack, and a line that a filter drops costs no allocation. Assigning
// a Logger to a log.Logger variable boxes it, which allocates once.
//
// The zero Logger drops every line and returns nil.
type Logger struct {
	next log.Logger // nil when every line is dropped
	err  error      // what Log returns for a dropped line
}

// Log passes keyvals to the leveled logger, or drops them at once when the
// Logger was built over a filter that does not allow its level.
func (l Logger) Log(keyvals ...any) error {
	if l.next == nil {
		return l.err
	}
	// Passing keyvals on through an interface would make them escape, and
	// every caller allocate them: pass a pooled copy instead, which is
	// safe because Loggers must not retain keyvals.
	kv := getKeyvals()
	kv.kv = append(kv.kv[:0], keyvals...)
	err := l.next.Log(kv.kv...)
	putKeyvals(kv)
	return err
}

// discarder is the protocol by which log's contexts and this package's
// filters tell, from their bound keyvals alone, that they drop every line.
type discarder interface {
	LogDiscards(bound []any) (bool, error)
}

func withLevel(logger log.Logger, v *levelValue) Logger {
	if f, ok := logger.(*filter); ok {
		return f.leveled[v.bit.index()]
	}
	next := log.WithPrefix(logger, "level", v)
	if d, ok := next.(discarder); ok {
		if drop, err := d.LogDiscards(nil); drop {
			return Logger{err: err}
		}
	}
	return Logger{next: next}
}

// keyvalsBuffer holds a copy of a Logger's keyvals.
type keyvalsBuffer struct{ kv []any }

// keyvalsPool is a cache, not state: what it returns is reset before use.
var keyvalsPool = sync.Pool{New: func() any { return &keyvalsBuffer{kv: make([]any, 0, 32)} }}

func getKeyvals() *keyvalsBuffer { return keyvalsPool.Get().(*keyvalsBuffer) }

func putKeyvals(k *keyvalsBuffer) {
	if cap(k.kv) > 1024 {
		return
	}
	clear(k.kv) // drop references so pooled slices do not keep values alive
	k.kv = k.kv[:0]
	keyvalsPool.Put(k)
}

func (a allowed) index() int {
	switch a {
	case bitDebug:
		return 0
	case bitInfo:
		return 1
	case bitWarn:
		return 2
	default:
		return 3
	}
}

// ErrInvalidLevelString is returned by Parse for a string that names no
// level.
var ErrInvalidLevelString = errors.New("level: invalid level string")

// Parse returns the level named by s, as found in a flag or a configuration
// file: "debug", "info", "warn" (or "warning") and "error", in any case and
// with surrounding spaces ignored. Any other string is an error wrapping
// ErrInvalidLevelString.
func Parse(s string) (Value, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "debug":
		return debugValue, nil
	case "info":
		return infoValue, nil
	case "warn", "warning":
		return warnValue, nil
	case "error":
		return errorValue, nil
	}
	return nil, fmt.Errorf("%w: %q", ErrInvalidLevelString, s)
}

// ParseDefault is like Parse but returns def for a string that names no
// level.
func ParseDefault(s string, def Value) Value {
	if v, err := Parse(s); err == nil {
		return v
	}
	return def
}
