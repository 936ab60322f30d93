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
