package otel_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/endpointkit/kit/log"
	"github.com/endpointkit/kit/log/slogbridge"
	"github.com/endpointkit/kit/tracing/otel"
)

func TestLogCorrelation(t *testing.T) {
	tp, _ := memoryProvider(t)
	ctx, span := tp.Tracer("test").Start(context.Background(), "op")
	defer span.End()
	tid, sid := span.SpanContext().TraceID().String(), span.SpanContext().SpanID().String()
	want := "trace_id=" + tid + " span_id=" + sid

	t.Run("kit Logger", func(t *testing.T) {
		var buf bytes.Buffer
		_ = otel.ContextLogger(ctx, log.NewLogfmtLogger(&buf)).Log("msg", "charged")
		if got := buf.String(); !strings.Contains(got, want) || !strings.Contains(got, "msg=charged") {
			t.Errorf("log line %q, want it to contain %q and msg=charged", got, want)
		}
	})
	t.Run("no span", func(t *testing.T) {
		var buf bytes.Buffer
		l := log.NewLogfmtLogger(&buf)
		if got := otel.ContextLogger(context.Background(), l); got != l {
			t.Errorf("ContextLogger without a span returned a new logger")
		}
		if kv := otel.LogKeyvals(context.Background()); kv != nil {
			t.Errorf("LogKeyvals without a span = %v, want nil", kv)
		}
	})
	t.Run("slog", func(t *testing.T) {
		var buf bytes.Buffer
		slog.New(otel.SlogHandler(slog.NewJSONHandler(&buf, nil))).With("svc", "a").InfoContext(ctx, "charged")
		var line map[string]any
		if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
			t.Fatalf("slog line %q: %v", buf.String(), err)
		}
		if line["trace_id"] != tid || line["span_id"] != sid || line["svc"] != "a" {
			t.Errorf("slog line %v, want trace_id %s span_id %s svc a", line, tid, sid)
		}
	})
	t.Run("slog bridge to kit Logger", func(t *testing.T) {
		var buf bytes.Buffer
		h := otel.SlogHandler(slogbridge.NewHandler(log.NewLogfmtLogger(&buf), nil))
		slog.New(h).InfoContext(ctx, "charged")
		if got := buf.String(); !strings.Contains(got, want) {
			t.Errorf("bridged line %q, want it to contain %q", got, want)
		}
		buf.Reset()
		slog.New(h).Info("no context")
		if got := buf.String(); strings.Contains(got, "trace_id") {
			t.Errorf("line logged without a context %q has a trace_id", got)
		}
	})
}
