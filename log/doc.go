// Package log provides a structured, key-value logger with the same shape as
// Go kit's: a [Logger] has one method, Log(keyvals ...any) error, and code
// written against Go kit's log moves over by changing the import path.
//
// Loggers are dependencies: kit's packages take one as a parameter and default
// to [NewNopLogger]. A service builds one Logger in main and passes it down:
//
//	logger := log.NewLogfmtLogger(os.Stderr)
//	logger = log.With(logger, "ts", log.DefaultTimestampUTC, "caller", log.DefaultCaller)
//	logger.Log("msg", "listening", "addr", addr)
//
// # Encoders
//
// [NewLogfmtLogger] and [NewJSONLogger] encode each Log call as one line and
// write it with one Write call. Their hot path allocates nothing for strings,
// numbers, bools, errors, time.Time and time.Duration: lines are built in
// pooled buffers, durations and times are appended without their String
// methods' allocations. Any input gives a well-formed line: keys and values
// are escaped or sanitised, invalid UTF-8 is replaced, and a String or Error
// method that panics (the nil pointer receiver) is caught and logged. The
// one allocation left in a typical call is the caller's: Go heap-allocates
// the []any of a variadic call through an interface.
//
// # Context
//
// [With], [WithPrefix] and [WithSuffix] bind keyvals to a Logger; [Valuer]s
// among them ([DefaultTimestampUTC], [DefaultCaller]) are called on every Log
// call. Level helpers and filters live in package level, and a bridge to
// log/slog in package slogbridge.
//
// # Concurrency
//
// Every Logger in this package is safe for concurrent use when the writer or
// Logger it wraps is. An *os.File is; a bytes.Buffer, a bufio.Writer or a
// custom writer usually is not: wrap it with [NewSyncWriter] (or a Logger
// with [NewSyncLogger]). Because each line is one Write, lines from many
// goroutines never interleave on a synchronised writer. A [SwapLogger]
// (Go kit's) may have its destination replaced while others log through it.
package log
