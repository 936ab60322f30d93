// Package slogbridge connects kit's [log.Logger] and the standard library's
// log/slog in both directions, so that a service that logs with slog and the
// kit packages it uses (which take a kit Logger) write to one place, and a
// service that logs with kit can hand a *slog.Logger to libraries that want
// one.
//
// [NewHandler] is a slog.Handler that writes each record through a kit
// Logger, with its level as a [level.Value], so that kit's level filters and
// encoders apply:
//
//	logger := log.NewJSONLogger(os.Stderr)
//	logger = level.NewFilter(logger, level.AllowInfo())
//	slogger := slog.New(slogbridge.NewHandler(logger, nil))
//
// Over one of kit's encoders itself (or a Logger made by log.With over one),
// the Handler writes records straight into the encoder's line, without
// boxing their values: the fastest setup, with the Handler's own level:
//
//	slogger := slog.New(slogbridge.NewHandler(log.NewJSONLogger(os.Stderr),
//		&slogbridge.HandlerOptions{Level: slog.LevelInfo}))
//
// [NewLogger] is a kit Logger that turns each line into a slog.Record for a
// slog.Handler; the "level" and "msg" keys become the record's level and
// message:
//
//	logger := slogbridge.NewLogger(slog.NewTextHandler(os.Stderr, nil))
//	level.Info(logger).Log("msg", "listening", "addr", addr)
//
// Both are safe for concurrent use when what they wrap is.
package slogbridge
