package level

import (
	"errors"
	"fmt"
	"strings"

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
func Debug(logger log.Logger) log.Logger { return withLevel(logger, debugValue) }

// Info returns a Logger that puts the info level first in every line.
func Info(logger log.Logger) log.Logger { return withLevel(logger, infoValue) }

// Warn returns a Logger that puts the warn level first in every line.
func Warn(logger log.Logger) log.Logger { return withLevel(logger, warnValue) }

// Error returns a Logger that puts the error level first in every line.
func Error(logger log.Logger) log.Logger { return withLevel(logger, errorValue) }

func withLevel(logger log.Logger, v *levelValue) log.Logger {
	if f, ok := logger.(*filter); ok {
		return f.leveled[v.bit.index()]
	}
	return log.WithPrefix(logger, "level", v)
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
