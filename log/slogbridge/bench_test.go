package slogbridge_test

import (
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/endpointkit/kit/log"
	"github.com/endpointkit/kit/log/slogbridge"
)

var errBench = errors.New("connection refused")

func BenchmarkHandler(b *testing.B) {
	l := slog.New(slogbridge.NewHandler(log.NewLogfmtLogger(io.Discard), nil))
	b.ReportAllocs()
	for b.Loop() {
		l.Info("request served", "status", 200, "took", 0.0125, "cached", true,
			"err", errBench, "elapsed", 1500*time.Millisecond)
	}
}

func BenchmarkLogger(b *testing.B) {
	l := slogbridge.NewLogger(slog.NewTextHandler(io.Discard, nil))
	b.ReportAllocs()
	for b.Loop() {
		l.Log("msg", "request served", "status", 200, "took", 0.0125, "cached", true,
			"err", errBench, "elapsed", 1500*time.Millisecond)
	}
}
