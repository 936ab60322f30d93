// Package log provides a structured, key-value logger with the same shape as
// Go kit's: a [Logger] has one method, Log(keyvals ...any) error.
//
// Loggers are dependencies: kit's packages take one as a parameter and default
// to [NewNopLogger].
package log
