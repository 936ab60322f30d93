package slogbridge_test

import (
	"context"
	"log/slog"
	"testing"
	"testing/synctest"
	"time"

	"github.com/endpointkit/kit/log/slogbridge"
)

// recordingHandler keeps the records it handles.
type recordingHandler struct{ records []slog.Record }

func (h *recordingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *recordingHandler) Handle(_ context.Context, r slog.Record) error {
	h.records = append(h.records, r.Clone())
	return nil
}
func (h *recordingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *recordingHandler) WithGroup(string) slog.Handler      { return h }

// TestLoggerRecordTime checks that a record carries the time of its Log
// call, read from the clock, which a synctest bubble makes known.
func TestLoggerRecordTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := &recordingHandler{}
		l := slogbridge.NewLogger(h)
		start := time.Now()
		l.Log("msg", "first")
		time.Sleep(90 * time.Second)
		l.Log("msg", "second")
		if len(h.records) != 2 {
			t.Fatalf("handled %d records, want 2", len(h.records))
		}
		if got := h.records[0].Time; !got.Equal(start) {
			t.Errorf("first record's time = %v, want %v", got, start)
		}
		if got := h.records[1].Time; !got.Equal(start.Add(90 * time.Second)) {
			t.Errorf("second record's time = %v, want %v", got, start.Add(90*time.Second))
		}
	})
}
