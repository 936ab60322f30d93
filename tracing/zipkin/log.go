package zipkin

import (
	"context"
	"log/slog"
	"time"

	"github.com/openzipkin/zipkin-go"

	"github.com/endpointkit/kit/log"
	"github.com/endpointkit/kit/tracing/internal/logids"
)

// The keys under which LogKeyvals, ContextLogger and SlogHandler put the ids of
// the current span: the same in tracing/otel.
const (
	TraceIDKey = logids.TraceIDKey
	SpanIDKey  = logids.SpanIDKey
)

func spanIDs(ctx context.Context) (string, string, bool) {
	span := zipkin.SpanFromContext(ctx)
	if span == nil {
		return "", "", false
	}
	sc := span.Context()
	if sc.TraceID.Empty() {
		return "", "", false
	}
	return sc.TraceID.String(), sc.ID.String(), true
}

// LogKeyvals returns the keyvals "trace_id", <16 or 32 hex digits>,
// "span_id", <16 hex digits> of the span in ctx, or nil when ctx carries
// none.
func LogKeyvals(ctx context.Context) []any { return logids.Keyvals(ctx, spanIDs) }

// ContextLogger returns logger with the trace and span ids of the span in ctx
// bound to it (log.With), or logger itself when ctx carries none.
func ContextLogger(ctx context.Context, logger log.Logger) log.Logger {
	kv := LogKeyvals(ctx)
	if kv == nil {
		return logger
	}
	return log.With(logger, kv...)
}

// SlogHandler returns a slog.Handler that adds trace_id and span_id to
// every record logged with a context carrying a span, then passes it to h
// (a kit slog bridge Handler, or any other).
func SlogHandler(h slog.Handler) slog.Handler { return logids.NewHandler(h, spanIDs) }

func timeNow() time.Time { return time.Now() }
