package level

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/endpointkit/kit/log"
	"github.com/endpointkit/kit/log/internal/core"
)

// Value is a level, as logged by the level helpers and recognised by
// filters. Its String is the level's name: "debug", "info", "warn" or
// "error". Only this package's values implement it.
type Value interface {
	String() string
	levelVal()
}

type levelValue struct {
	name  string
	bit   allowed
	index int // in filter.leveled and core.Slots
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
	debugValue = &levelValue{"debug", bitDebug, 0}
	infoValue  = &levelValue{"info", bitInfo, 1}
	warnValue  = &levelValue{"warn", bitWarn, 2}
	errorValue = &levelValue{"error", bitError, 3}
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
	l *core.Leveled // nil in the zero Logger
}

// Log passes keyvals to the leveled logger, or drops them at once when the
// Logger was built over a filter that does not allow its level.
func (l Logger) Log(keyvals ...any) error {
	if l.l == nil {
		return nil
	}
	if l.l.Next == nil {
		return l.l.Err
	}
	// Passing keyvals on through an interface would make them escape, and
	// every caller allocate them: pass a pooled copy instead, which is
	// safe because Loggers must not retain keyvals.
	buf := core.GetKeyvals()
	buf.KV = append(buf.KV, keyvals...)
	err := l.l.Next.Log(buf.KV...)
	core.PutKeyvals(buf)
	return err
}

// Enabled reports whether l writes lines: false when it was built over a
// level filter that drops its level, or is the zero Logger. A line whose
// values cost something to compute or to pass can be guarded with it:
//
//	if d := level.Debug(logger); d.Enabled() {
//		d.LogAttrs(slog.String("msg", "cache miss"), slog.Any("key", key))
//	}
//
// A filter that kit's Loggers cannot see through (a Logger of your own
// between them) may still drop lines for which Enabled is true.
func (l Logger) Enabled() bool { return l.l != nil && l.l.Next != nil }

// LogAttrs is Log with typed pairs: each attribute is one key and its
// value, written as Log writes the same key and value (the Go value that
// a.Value.Any() returns, for the kinds of slog.Value), in order; the
// attributes of a group are written with the group's name and a dot before
// their keys, as slog's TextHandler writes them. The message is one more
// pair:
//
//	level.Info(logger).LogAttrs(slog.String("msg", msg), slog.Duration("took", took))
//
// slog.Attr holds strings, numbers, bools, durations and times without
// boxing them, so unlike Log, a call allocates nothing for the values it
// logs, whether the line is written or dropped. When the Logger under the
// level helper is one of package log's encoders, or a Logger made by
// log.With and friends over one, with a level filter between them or not,
// the line is written straight into the encoder's buffer: it allocates
// nothing at all unless a bound Valuer does (log.DefaultCaller does; the
// default timestamps do not), and keys are encoded once and cached. Other
// Loggers receive the pairs as keyvals, as Log passes them, which boxes
// the values.
//
// Values that are levels are written as values, not checked by filters:
// the helper's own level is the line's.
func (l Logger) LogAttrs(attrs ...slog.Attr) error {
	if l.l == nil {
		return nil
	}
	if l.l.Next == nil {
		return l.l.Err
	}
	if w := l.l.Lines; w != nil {
		line := w.Begin()
		for _, a := range attrs {
			switch a.Value.Kind() {
			case slog.KindGroup, slog.KindLogValuer:
			default:
				if a.Key != "" && line.More {
					// The common case: a key that is the
					// same on every line, encoded once.
					if k := l.l.Keys.Encoded(a.Key); k != nil {
						w.Pair(line, k, a.Value)
						continue
					}
				}
			}
			w.Attr(line, "", a)
		}
		return w.End(line)
	}
	buf := core.GetKeyvals()
	for _, a := range attrs {
		buf.KV = core.AppendAttr(buf.KV, "", a)
	}
	err := l.l.Next.Log(buf.KV...)
	core.PutKeyvals(buf)
	return err
}

// withLevel returns what the helpers return. Filters hold the answers for
// their four levels, and Loggers built by package log cache them, so that
// a helper called for every line, as helpers are, costs one lookup: for a
// line the filter drops, nothing else happens before Log returns.
func withLevel(logger log.Logger, v *levelValue) Logger {
	if h, ok := logger.(core.Hooks); ok {
		if slots := h.LevelSlots(); slots != nil {
			slot := &slots[v.index]
			if p := slot.Load(); p != nil {
				return Logger{p}
			}
			leveled := newLeveled(logger, v)
			slot.Store(leveled.l)
			return leveled
		}
	}
	return newLeveled(logger, v)
}

// newLeveled builds what the helpers return for logger and v.
func newLeveled(logger log.Logger, v *levelValue) Logger {
	next := log.WithPrefix(logger, "level", v)
	var lines core.Writer
	if h, ok := next.(core.Hooks); ok {
		if drop, err := h.Discards(nil); drop {
			return Logger{&core.Leveled{Err: err}}
		}
		lines = h.LineWriter(nil, nil)
	}
	leveled := &core.Leveled{Next: next, Lines: lines}
	if lines != nil {
		leveled.Keys = lines.Keys()
	}
	return Logger{leveled}
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
