package log_test

import (
	"errors"
	"io"
	"testing"
	"time"

	"github.com/endpointkit/kit/log"
)

var errBench = errors.New("connection refused")

func benchmarkLogger(b *testing.B, logger log.Logger) {
	b.ReportAllocs()
	for b.Loop() {
		logger.Log("msg", "request served", "status", 200, "took", 0.0125,
			"cached", true, "err", errBench, "elapsed", 1500*time.Millisecond)
	}
}

func BenchmarkLogfmt(b *testing.B) { benchmarkLogger(b, log.NewLogfmtLogger(io.Discard)) }

func BenchmarkJSON(b *testing.B) { benchmarkLogger(b, log.NewJSONLogger(io.Discard)) }

func BenchmarkLogfmtWithTimestamp(b *testing.B) {
	benchmarkLogger(b, log.With(log.NewLogfmtLogger(io.Discard), "ts", log.DefaultTimestampUTC))
}

func BenchmarkLogfmtQuoted(b *testing.B) {
	logger := log.NewLogfmtLogger(io.Discard)
	b.ReportAllocs()
	for b.Loop() {
		logger.Log("msg", "a \"quoted\" value\nwith a newline", "path", `C:\Program Files`)
	}
}

// TestZeroAllocs checks the hot path allocates nothing for the common types
// once the caller's keyvals slice exists (a variadic call through an
// interface allocates that slice in the caller, whatever the Logger).
func TestZeroAllocs(t *testing.T) {
	kv := []any{"msg", "request served", "status", 200, "took", 0.0125,
		"cached", true, "err", errBench, "elapsed", 1500 * time.Millisecond,
		"at", time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC), "quoted", "a b\n"}
	for _, tc := range []struct {
		name   string
		logger log.Logger
	}{
		{"logfmt", log.NewLogfmtLogger(io.Discard)},
		{"json", log.NewJSONLogger(io.Discard)},
		{"logfmt With DefaultTimestampUTC", log.With(log.NewLogfmtLogger(io.Discard), "ts", log.DefaultTimestampUTC, "svc", "x")},
		{"json With DefaultTimestamp", log.With(log.NewJSONLogger(io.Discard), "ts", log.DefaultTimestamp, "svc", "x")},
		{"json WithSuffix", log.WithSuffix(log.NewJSONLogger(io.Discard), "svc", "x")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.logger.Log(kv...) // warm the pools
			if n := testing.AllocsPerRun(200, func() { tc.logger.Log(kv...) }); n != 0 {
				t.Errorf("Log allocates %v times per call, want 0", n)
			}
		})
	}
}
