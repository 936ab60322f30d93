// Package level adds levels to kit's [log.Logger]: helpers that tag a line
// with a level (debug, info, warn, error) and a filter that drops lines
// below a threshold. It has the shape of Go kit's log/level.
//
// A service builds one filtered logger and tags each line where it logs:
//
//	logger := log.NewLogfmtLogger(os.Stderr)
//	logger = level.NewFilter(logger, level.AllowInfo())
//	logger = log.With(logger, "ts", log.DefaultTimestampUTC, "caller", log.DefaultCaller)
//
//	level.Info(logger).Log("msg", "listening", "addr", addr)
//	level.Debug(logger).Log("msg", "dropped by the filter")
//
// Keep the filter inside the With, as above: log.DefaultCaller counts the
// frames of one context, and a filter between two contexts adds frames, so
// the caller would name a line inside kit. Go kit has the same rule.
//
// A level is a key-value pair like any other, so lines keep their level in
// every encoder, and the filter finds it wherever it is among the keyvals.
//
// # Cost of filtered lines
//
// When the filter is the Logger passed to a level helper, or the Logger that
// With, WithPrefix or WithSuffix wrap, a line at a disallowed level is
// dropped before any bound Valuer (timestamp, caller) is called or any
// keyvals are merged, and the helper itself does not allocate after its
// first call. The helpers return the concrete type [Logger] rather than the
// interface, so that the compiler sees that its Log method keeps no
// reference to the keyvals: level.Debug(logger).Log(...) builds them on the
// caller's stack. Place the filter innermost, as above, or outermost; a
// Logger of your own between a With and the filter hides the filter from
// this shortcut, and the line is then dropped only when it reaches the
// filter.
//
// # Values in variables: LogAttrs
//
// Log still boxes the values it is given: a string, float64 or
// time.Duration held in a variable becomes a heap object as it is passed
// as an any, before the helper can drop the line. That floor is the Go kit
// API's. [Logger.LogAttrs] takes typed pairs instead, slog.Attr values,
// which hold those types unboxed, and writes the same bytes as Log; over
// kit's encoders, through With and filters, it allocates nothing for
// written or dropped lines. [Logger.Enabled] tells whether a line would be
// written, to skip building one that would not:
//
//	level.Info(logger).LogAttrs(slog.String("msg", "served"), slog.Duration("took", took))
//	if d := level.Debug(logger); d.Enabled() {
//		d.LogAttrs(slog.String("msg", "cache miss"), slog.String("key", key))
//	}
//
// Everything in this package is safe for concurrent use when the Loggers it
// wraps are.
package level
