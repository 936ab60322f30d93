package otel

import (
	"context"
	"log/slog"

	"go.opentelemetry.io/otel/trace"

	"github.com/endpointkit/kit/log"
	"github.com/endpointkit/kit/tracing/internal/logids"
)

// The keys under which LogKeyvals, ContextLogger and SlogHandler put the ids of
// the current span: the same in tracing/zipkin, so that log queries work
// across a mixed fleet.
const (
	TraceIDKey = logids.TraceIDKey
	SpanIDKey  = logids.SpanIDKey
)

func spanIDs(ctx context.Context) (string, string, bool) {
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsValid() {
		return "", "", false
	}
	return sc.TraceID().String(), sc.SpanID().String(), true
}

// LogKeyvals returns the keyvals "trace_id", <32 hex digits>, "span_id",
// <16 hex digits> of the span in ctx, or nil when ctx carries no valid span
// context, to append to a log line:
//
//	logger.Log(append(otel.LogKeyvals(ctx), "msg", "charged")...)
func LogKeyvals(ctx context.Context) []any { return logids.Keyvals(ctx, spanIDs) }

// ContextLogger returns logger with the trace and span ids of the span in ctx
// bound to it (log.With), or logger itself when ctx carries none. Use it at
// the top of a request's work: every line logged with the result carries
// the ids.
func ContextLogger(ctx context.Context, logger log.Logger) log.Logger {
	kv := LogKeyvals(ctx)
	if kv == nil {
		return logger
	}
	return log.With(logger, kv...)
}

// SlogHandler returns a slog.Handler that adds trace_id and span_id
// attributes to every record logged with a context carrying a valid span
// (logger.InfoContext(ctx, ...)), then passes it to h. It composes with
// kit's slog bridge in either direction: wrap a slogbridge Handler to send
// the ids to a kit Logger, or wrap any handler before slogbridge.NewLogger.
func SlogHandler(h slog.Handler) slog.Handler { return logids.NewHandler(h, spanIDs) }
