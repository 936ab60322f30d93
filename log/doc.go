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
// method that panics (the nil pointer receiver) is caught and logged.
//
// # The cost of Log, and typed lines
//
// What a Log call costs beyond the encoder is the caller's, and belongs to
// the API:
// Go heap-allocates the []any of a variadic call through an interface, and
// boxes every string, float64 or time.Duration held in a variable (not a
// constant or a small integer) into a heap object as it becomes an any.
// A line of three such variables costs three allocations before any Logger
// runs, and so does the same line when a filter drops it. The level
// helpers of package level avoid the first (their Logger is a concrete
// type) and offer typed pairs, which avoid the second:
//
//	level.Info(logger).LogAttrs(slog.String("msg", "served"), slog.Duration("took", took))
//
// LogAttrs writes the bytes Log writes for the same keys and values,
// straight into the encoder's buffer when the Logger is one of this
// package's encoders or a Logger made by With and friends over one (a
// level filter between them included), and allocates nothing for written
// or dropped lines (but what a bound Valuer such as DefaultCaller
// allocates); level.Logger.Enabled guards lines costly to build.
// Which to use:
//
//   - Log, the Go kit API, wherever its shape matters more than a few
//     hundred nanoseconds a line: code moved from Go kit, rare lines,
//     Loggers of your own;
//   - LogAttrs on hot paths, and for debug lines that are usually dropped;
//   - slog's own LogAttrs through package slogbridge where code already
//     speaks slog: the same encoders, no boxing, but slog.Logger finds the
//     caller of every record, and a written line costs about 1.5 times
//     LogAttrs'.
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
