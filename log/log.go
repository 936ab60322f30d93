package log

import "errors"

// Logger is the fundamental interface for all log operations. Log creates a
// log event from keyvals, a variadic sequence of alternating keys and values.
// Implementations must be safe for concurrent use by multiple goroutines, and
// must not retain or modify keyvals after Log returns.
type Logger interface {
	Log(keyvals ...any) error
}

// LoggerFunc is an adapter to allow use of ordinary functions as Loggers. If
// f is a function with the appropriate signature, LoggerFunc(f) is a Logger
// object that calls f.
type LoggerFunc func(keyvals ...any) error

// Log implements Logger by calling f(keyvals...).
func (f LoggerFunc) Log(keyvals ...any) error { return f(keyvals...) }

// NewNopLogger returns a logger that doesn't do anything. It is the default
// wherever kit takes an optional Logger.
func NewNopLogger() Logger { return nopLogger{} }

type nopLogger struct{}

func (nopLogger) Log(...any) error { return nil }

// ErrMissingValue is appended to keyvals slices with odd length to substitute
// the missing value, so that a key is never silently dropped.
var ErrMissingValue = errors.New("log: missing value")
