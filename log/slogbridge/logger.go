package slogbridge

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"time"

	"github.com/endpointkit/kit/log"
	"github.com/endpointkit/kit/log/internal/core"
	"github.com/endpointkit/kit/log/level"
)

// Logger is a kit Logger that writes each line as a slog.Record to a
// slog.Handler. The first value that is a level.Value becomes the record's
// level (slog.LevelInfo when there is none) and the value of the message key
// its message; both are removed from the attributes. A line without a
// message key takes the text of its first error value (or of the value
// under "err") as its message, the error staying an attribute, so that
// ("err", err) does not become a record with an empty message. The other pairs become
// attributes in order, keys that are not strings by their fmt text. Lines at
// levels the Handler does not enable are dropped before any attribute is
// built. The record's time is the time of the Log call, read from the
// clock (tests that need known times run in a testing/synctest bubble), and
// its source (for handlers with AddSource) the first caller outside kit's
// log packages.
//
// A Logger is safe for concurrent use when its Handler is.
type Logger struct {
	handler    slog.Handler
	messageKey string
	ctx        context.Context
}

// LoggerOption sets an optional parameter of a Logger.
type LoggerOption func(*Logger)

// LoggerMessageKey sets the key whose value becomes the record's message.
// The default is "msg".
func LoggerMessageKey(key string) LoggerOption {
	return func(l *Logger) { l.messageKey = key }
}

// LoggerContext sets the context passed to the Handler. The default is
// context.Background().
func LoggerContext(ctx context.Context) LoggerOption {
	return func(l *Logger) { l.ctx = ctx }
}

// NewLogger returns a Logger that writes to h.
func NewLogger(h slog.Handler, options ...LoggerOption) *Logger {
	l := &Logger{handler: h, messageKey: "msg", ctx: context.Background()}
	for _, o := range options {
		o(l)
	}
	return l
}

// Log turns keyvals into a record and passes it to the Handler.
func (l *Logger) Log(keyvals ...any) error {
	lvl, levelAt := slog.LevelInfo, -1
	for i := 1; i < len(keyvals); i += 2 {
		if v, ok := keyvals[i].(level.Value); ok {
			lvl, levelAt = slogLevel(v), i
			break
		}
	}
	if !l.handler.Enabled(l.ctx, lvl) {
		return nil
	}
	msg, msgAt := "", -1
	for i := 0; i+1 < len(keyvals); i += 2 {
		if k, ok := keyvals[i].(string); ok && k == l.messageKey {
			msgAt = i + 1
			if s, ok := keyvals[i+1].(string); ok {
				msg = s
			} else {
				msg = fmt.Sprint(keyvals[i+1])
			}
			break
		}
	}
	if msgAt < 0 {
		// No message: a line such as ("err", err) takes its message
		// from the first error value or "err" value, so that it does
		// not reach slog with an empty one. The error stays an
		// attribute too.
		for i := 1; i < len(keyvals); i += 2 {
			if err, ok := keyvals[i].(error); ok && err != nil {
				msg = err.Error()
				break
			}
			if k, ok := keyvals[i-1].(string); ok && k == "err" && keyvals[i] != nil {
				msg = fmt.Sprint(keyvals[i])
				break
			}
		}
	}
	r := slog.NewRecord(time.Now(), lvl, msg, callerPC())
	for i := 0; i < len(keyvals); i += 2 {
		if i+1 == levelAt || i+1 == msgAt {
			continue
		}
		var v any = log.ErrMissingValue
		if i+1 < len(keyvals) {
			v = keyvals[i+1]
		}
		key, ok := keyvals[i].(string)
		if !ok {
			key = fmt.Sprint(keyvals[i])
		}
		r.AddAttrs(slog.Any(key, v))
	}
	return l.handler.Handle(l.ctx, r)
}

// slogLevel maps a kit level to slog's.
func slogLevel(v level.Value) slog.Level {
	switch v {
	case level.DebugValue():
		return slog.LevelDebug
	case level.WarnValue():
		return slog.LevelWarn
	case level.ErrorValue():
		return slog.LevelError
	}
	return slog.LevelInfo
}

// callerPC returns the program counter of the first caller outside kit's log
// packages, for handlers that add the source (slog.HandlerOptions.AddSource).
func callerPC() uintptr {
	var pcs [16]uintptr
	n := runtime.Callers(3, pcs[:]) // skip Callers, callerPC and Log
	frames := runtime.CallersFrames(pcs[:n])
	for {
		f, more := frames.Next()
		if !core.InLogPackages(f.Function) {
			return f.PC
		}
		if !more {
			return 0
		}
	}
}
