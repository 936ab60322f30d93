package level_test

import (
	"io"
	"log/slog"
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

// benchKey is a variable, as a service logs them: through Log it is boxed.
var benchKey = "user:42"

// BenchmarkDebugFilteredVar is the filtered line with a variable string,
// which Log boxes, allocating, before the filter can drop the line.
func BenchmarkDebugFilteredVar(b *testing.B) {
	l := filteredLogger()
	b.ReportAllocs()
	for b.Loop() {
		level.Debug(l).Log("msg", "cache miss", "key", benchKey)
	}
}

// BenchmarkDebugFilteredAttrs is the same line through LogAttrs.
func BenchmarkDebugFilteredAttrs(b *testing.B) {
	l := filteredLogger()
	b.ReportAllocs()
	for b.Loop() {
		level.Debug(l).LogAttrs(slog.String("msg", "cache miss"), slog.String("key", benchKey))
	}
}

// BenchmarkInfoAttrs is an info line through LogAttrs over the filter,
// With and the logfmt encoder, without the caller (which allocates).
func BenchmarkInfoAttrs(b *testing.B) {
	l := log.With(level.NewFilter(log.NewLogfmtLogger(io.Discard), level.AllowInfo()), "ts", log.DefaultTimestampUTC)
	b.ReportAllocs()
	for b.Loop() {
		level.Info(l).LogAttrs(slog.String("msg", "cache miss"), slog.String("key", benchKey), slog.Int("n", 42))
	}
}
