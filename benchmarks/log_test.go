package benchmarks

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"syscall"
	"testing"
	"time"

	gokitlog "github.com/go-kit/log"
	gokitlevel "github.com/go-kit/log/level"
	"github.com/rs/zerolog"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/endpointkit/kit/log"
	"github.com/endpointkit/kit/log/level"
	"github.com/endpointkit/kit/log/slogbridge"
)

// The log workloads, each a closure that logs once to w:
//   - line: a timestamp and six fields (string, int, float64, bool, error,
//     time.Duration);
//   - context: the same logger with four more fields bound beforehand (With),
//     logging a message and an int;
//   - filtered: a debug line on a logger that allows info and above.
//
// Each contestant uses its own idiomatic fast API: kit and Go kit the
// variadic Log, zap typed fields, zerolog its chained builder, slog LogAttrs.
// Values are constants or package variables, as in every peer's own
// benchmarks, so that no contestant pays for boxing the caller's variables.

var errLog = errors.New("connection refused")

const (
	logMsg     = "request served"
	logStatus  = 200
	logTook    = 0.0125
	logCached  = true
	logElapsed = 1500 * time.Millisecond
)

type logContestant struct {
	impl     string
	line     func(w io.Writer) func()
	context  func(w io.Writer) func()
	filtered func(w io.Writer) func()
}

func kitContestant(impl string, enc func(io.Writer) log.Logger) logContestant {
	base := func(w io.Writer) log.Logger { return log.With(enc(w), "ts", log.DefaultTimestampUTC) }
	return logContestant{
		impl: impl,
		line: func(w io.Writer) func() {
			l := base(w)
			return func() {
				l.Log("msg", logMsg, "status", logStatus, "took", logTook, "cached", logCached, "err", errLog, "elapsed", logElapsed)
			}
		},
		context: func(w io.Writer) func() {
			l := log.With(base(w), "svc", "adder", "instance", "i-0a1b2c", "region", "eu-west-1", "version", "1.2.0")
			return func() { l.Log("msg", logMsg, "status", logStatus) }
		},
		filtered: func(w io.Writer) func() {
			l := log.With(level.NewFilter(enc(w), level.AllowInfo()), "ts", log.DefaultTimestampUTC)
			return func() { level.Debug(l).Log("msg", logMsg, "status", logStatus) }
		},
	}
}

func gokitContestant(impl string, enc func(io.Writer) gokitlog.Logger) logContestant {
	base := func(w io.Writer) gokitlog.Logger { return gokitlog.With(enc(w), "ts", gokitlog.DefaultTimestampUTC) }
	return logContestant{
		impl: impl,
		line: func(w io.Writer) func() {
			l := base(w)
			return func() {
				l.Log("msg", logMsg, "status", logStatus, "took", logTook, "cached", logCached, "err", errLog, "elapsed", logElapsed)
			}
		},
		context: func(w io.Writer) func() {
			l := gokitlog.With(base(w), "svc", "adder", "instance", "i-0a1b2c", "region", "eu-west-1", "version", "1.2.0")
			return func() { l.Log("msg", logMsg, "status", logStatus) }
		},
		filtered: func(w io.Writer) func() {
			l := gokitlog.With(gokitlevel.NewFilter(enc(w), gokitlevel.AllowInfo()), "ts", gokitlog.DefaultTimestampUTC)
			return func() { gokitlevel.Debug(l).Log("msg", logMsg, "status", logStatus) }
		},
	}
}

func zapLogger(w io.Writer, lvl zapcore.Level) *zap.Logger {
	cfg := zapcore.EncoderConfig{
		TimeKey:        "ts",
		MessageKey:     "msg",
		EncodeTime:     zapcore.RFC3339NanoTimeEncoder,
		EncodeDuration: zapcore.StringDurationEncoder,
	}
	return zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(cfg), zapcore.AddSync(w), lvl))
}

func zerologLogger(w io.Writer) zerolog.Logger {
	return zerolog.New(w).With().Timestamp().Logger()
}

func slogContestant(impl string, handler func(io.Writer, *slog.HandlerOptions) slog.Handler) logContestant {
	ctx := context.Background()
	return logContestant{
		impl: impl,
		line: func(w io.Writer) func() {
			l := slog.New(handler(w, nil))
			return func() {
				l.LogAttrs(ctx, slog.LevelInfo, logMsg, slog.Int("status", logStatus), slog.Float64("took", logTook),
					slog.Bool("cached", logCached), slog.Any("err", errLog), slog.Duration("elapsed", logElapsed))
			}
		},
		context: func(w io.Writer) func() {
			l := slog.New(handler(w, nil)).With("svc", "adder", "instance", "i-0a1b2c", "region", "eu-west-1", "version", "1.2.0")
			return func() { l.LogAttrs(ctx, slog.LevelInfo, logMsg, slog.Int("status", logStatus)) }
		},
		filtered: func(w io.Writer) func() {
			l := slog.New(handler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
			return func() { l.LogAttrs(ctx, slog.LevelDebug, logMsg, slog.Int("status", logStatus)) }
		},
	}
}

var logContestants = []logContestant{
	kitContestant("kit-logfmt", log.NewLogfmtLogger),
	kitContestant("kit-json", log.NewJSONLogger),
	gokitContestant("gokit-logfmt", gokitlog.NewLogfmtLogger),
	gokitContestant("gokit-json", gokitlog.NewJSONLogger),
	{
		impl: "zap",
		line: func(w io.Writer) func() {
			l := zapLogger(w, zapcore.InfoLevel)
			return func() {
				l.Info(logMsg, zap.Int("status", logStatus), zap.Float64("took", logTook), zap.Bool("cached", logCached),
					zap.NamedError("err", errLog), zap.Duration("elapsed", logElapsed))
			}
		},
		context: func(w io.Writer) func() {
			l := zapLogger(w, zapcore.InfoLevel).With(zap.String("svc", "adder"), zap.String("instance", "i-0a1b2c"),
				zap.String("region", "eu-west-1"), zap.String("version", "1.2.0"))
			return func() { l.Info(logMsg, zap.Int("status", logStatus)) }
		},
		filtered: func(w io.Writer) func() {
			l := zapLogger(w, zapcore.InfoLevel)
			return func() { l.Debug(logMsg, zap.Int("status", logStatus)) }
		},
	},
	{
		impl: "zerolog",
		line: func(w io.Writer) func() {
			l := zerologLogger(w)
			return func() {
				l.Log().Int("status", logStatus).Float64("took", logTook).Bool("cached", logCached).
					AnErr("err", errLog).Dur("elapsed", logElapsed).Msg(logMsg)
			}
		},
		context: func(w io.Writer) func() {
			l := zerologLogger(w).With().Str("svc", "adder").Str("instance", "i-0a1b2c").
				Str("region", "eu-west-1").Str("version", "1.2.0").Logger()
			return func() { l.Log().Int("status", logStatus).Msg(logMsg) }
		},
		filtered: func(w io.Writer) func() {
			l := zerologLogger(w).Level(zerolog.InfoLevel)
			return func() { l.Debug().Int("status", logStatus).Msg(logMsg) }
		},
	},
	slogContestant("slog-text", func(w io.Writer, o *slog.HandlerOptions) slog.Handler { return slog.NewTextHandler(w, o) }),
	slogContestant("slog-json", func(w io.Writer, o *slog.HandlerOptions) slog.Handler { return slog.NewJSONHandler(w, o) }),
	// slog's front end writing through kit's logfmt Logger (and, for the
	// filtered line, kit's level filter, which the bridge's Enabled asks).
	slogContestant("kit-slogbridge", func(w io.Writer, o *slog.HandlerOptions) slog.Handler {
		l := log.NewLogfmtLogger(w)
		if o != nil {
			l = level.NewFilter(l, level.AllowInfo())
		}
		return slogbridge.NewHandler(l, nil)
	}),
}

func TestLogContestantsAgree(t *testing.T) {
	for _, c := range logContestants {
		t.Run(c.impl, func(t *testing.T) {
			var buf bytes.Buffer
			c.line(&buf)()
			line := buf.String()
			for _, want := range []string{time.Now().UTC().Format("2006-01-02T"), logMsg, "200", "0.0125", "true", errLog.Error()} {
				if !strings.Contains(line, want) {
					t.Errorf("line = %q, want it to contain %q", line, want)
				}
			}
			if strings.Count(line, "\n") != 1 {
				t.Errorf("line = %q, want one line", line)
			}
			buf.Reset()
			c.context(&buf)()
			for _, want := range []string{"adder", "i-0a1b2c", "eu-west-1", "1.2.0", logMsg, "200"} {
				if !strings.Contains(buf.String(), want) {
					t.Errorf("context line = %q, want it to contain %q", buf.String(), want)
				}
			}
			buf.Reset()
			c.filtered(&buf)()
			if buf.Len() != 0 {
				t.Errorf("filtered debug line wrote %q, want nothing", buf.String())
			}
		})
	}
}

func benchmarkLog(b *testing.B, workload func(c logContestant) func(io.Writer) func()) {
	for _, c := range logContestants {
		b.Run("impl="+c.impl, func(b *testing.B) {
			logOnce := workload(c)(io.Discard)
			b.ReportAllocs()
			start, n := cpuTime(), 0
			for b.Loop() {
				logOnce()
				n++
			}
			reportCPU(b, start, n)
		})
	}
}

// cpuTime is the CPU time the process has used, user and system. On a
// machine shared with other work, wall-clock ns/op counts the time the
// benchmark waited for a core; cpu-ns/op does not, and it includes the
// garbage collector's work on other threads, which is part of the cost of
// allocating.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func reportCPU(b *testing.B, start time.Duration, n int) {
	if n > 0 {
		b.ReportMetric(float64(cpuTime()-start)/float64(n), "cpu-ns/op")
	}
}

func BenchmarkLogLine(b *testing.B) {
	benchmarkLog(b, func(c logContestant) func(io.Writer) func() { return c.line })
}

func BenchmarkLogContext(b *testing.B) {
	benchmarkLog(b, func(c logContestant) func(io.Writer) func() { return c.context })
}

func BenchmarkLogFiltered(b *testing.B) {
	benchmarkLog(b, func(c logContestant) func(io.Writer) func() { return c.filtered })
}

// BenchmarkLogFilteredPrebuilt is the filtered workload for the two
// keyvals loggers with the []any built once, outside the loop: what is left
// is the logger's own cost. (A variadic call through an interface makes Go
// allocate that slice in the caller, whatever the logger does.)
func BenchmarkLogFilteredPrebuilt(b *testing.B) {
	kv := []any{"msg", logMsg, "status", logStatus}
	for _, c := range []struct {
		impl string
		log  func() error
	}{
		{"kit-logfmt", func() func() error {
			l := log.With(level.NewFilter(log.NewLogfmtLogger(io.Discard), level.AllowInfo()), "ts", log.DefaultTimestampUTC)
			return func() error { return level.Debug(l).Log(kv...) }
		}()},
		{"gokit-logfmt", func() func() error {
			l := gokitlog.With(gokitlevel.NewFilter(gokitlog.NewLogfmtLogger(io.Discard), gokitlevel.AllowInfo()), "ts", gokitlog.DefaultTimestampUTC)
			return func() error { return gokitlevel.Debug(l).Log(kv...) }
		}()},
	} {
		b.Run("impl="+c.impl, func(b *testing.B) {
			b.ReportAllocs()
			start, n := cpuTime(), 0
			for b.Loop() {
				c.log()
				n++
			}
			reportCPU(b, start, n)
		})
	}
}

// BenchmarkLogSlogFrontEnd is slog's front end alone (slog.Logger.LogAttrs
// with a handler that is enabled and does nothing) for the line workload:
// the floor under any slog handler, the bridge included.
func BenchmarkLogSlogFrontEnd(b *testing.B) {
	l := slog.New(nopHandler{})
	ctx := context.Background()
	b.Run("impl=slog-nop", func(b *testing.B) {
		b.ReportAllocs()
		start, n := cpuTime(), 0
		for b.Loop() {
			l.LogAttrs(ctx, slog.LevelInfo, logMsg, slog.Int("status", logStatus), slog.Float64("took", logTook),
				slog.Bool("cached", logCached), slog.Any("err", errLog), slog.Duration("elapsed", logElapsed))
			n++
		}
		reportCPU(b, start, n)
	})
}

// nopHandler is an enabled slog.Handler that writes nothing.
type nopHandler struct{}

func (nopHandler) Enabled(context.Context, slog.Level) bool  { return true }
func (nopHandler) Handle(context.Context, slog.Record) error { return nil }
func (h nopHandler) WithAttrs([]slog.Attr) slog.Handler      { return h }
func (h nopHandler) WithGroup(string) slog.Handler           { return h }
