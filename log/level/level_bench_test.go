package level_test

import (
	"io"
	"testing"

	"github.com/endpointkit/kit/log"
	"github.com/endpointkit/kit/log/level"
)

func filteredLogger() log.Logger {
	l := level.NewFilter(log.NewLogfmtLogger(io.Discard), level.AllowInfo())
	return log.With(l, "ts", log.DefaultTimestampUTC, "caller", log.DefaultCaller)
}

// BenchmarkDebugFiltered is a debug line on an info logger, as written in
// code: the variadic call allocates its []any in the caller.
func BenchmarkDebugFiltered(b *testing.B) {
	l := filteredLogger()
	b.ReportAllocs()
	for b.Loop() {
		level.Debug(l).Log("msg", "cache miss", "key", 42)
	}
}

// BenchmarkDebugFilteredPrebuilt is the same line with the keyvals slice
// built once, which isolates the cost of the logger itself.
func BenchmarkDebugFilteredPrebuilt(b *testing.B) {
	l := filteredLogger()
	kv := []any{"msg", "cache miss", "key", 42}
	b.ReportAllocs()
	for b.Loop() {
		level.Debug(l).Log(kv...)
	}
}

func BenchmarkInfo(b *testing.B) {
	l := filteredLogger()
	b.ReportAllocs()
	for b.Loop() {
		level.Info(l).Log("msg", "cache miss", "key", 42)
	}
}
