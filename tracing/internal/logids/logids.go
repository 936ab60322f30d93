// Package logids is what the tracing packages share for log correlation: the
// key names and a slog.Handler that adds a record's trace and span ids from
// its context.
package logids

import (
	"context"
	"log/slog"
)

// The keys under which trace and span ids appear in log lines.
const (
	TraceIDKey = "trace_id"
	SpanIDKey  = "span_id"
)

// IDs returns the trace and span ids of the span in ctx as hex text, and
// false when ctx carries none.
type IDs func(ctx context.Context) (traceID, spanID string, ok bool)

// Keyvals returns TraceIDKey, traceID, SpanIDKey, spanID for ctx, or nil.
func Keyvals(ctx context.Context, ids IDs) []any {
	t, s, ok := ids(ctx)
	if !ok {
		return nil
	}
	return []any{TraceIDKey, t, SpanIDKey, s}
}

// Handler adds TraceIDKey and SpanIDKey attributes to every record handled
// with a context that carries a span, then passes it to the wrapped handler.
// Attributes are added to the record, so they sit in the group opened by
// WithGroup, as the record's own attributes do.
type Handler struct {
	slog.Handler
	ids IDs
}

// NewHandler returns a Handler wrapping h.
func NewHandler(h slog.Handler, ids IDs) *Handler { return &Handler{Handler: h, ids: ids} }

// Handle implements slog.Handler.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	if t, s, ok := h.ids(ctx); ok {
		r = r.Clone() // the caller's record may be shared with other handlers
		r.AddAttrs(slog.String(TraceIDKey, t), slog.String(SpanIDKey, s))
	}
	return h.Handler.Handle(ctx, r)
}

// WithAttrs implements slog.Handler.
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &Handler{Handler: h.Handler.WithAttrs(attrs), ids: h.ids}
}

// WithGroup implements slog.Handler.
func (h *Handler) WithGroup(name string) slog.Handler {
	return &Handler{Handler: h.Handler.WithGroup(name), ids: h.ids}
}
