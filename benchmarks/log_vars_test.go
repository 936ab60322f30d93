package benchmarks

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
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

// The "vars" workloads log what a service logs: values held in variables,
// not constants. Go boxes a variable string, float64 or time.Duration (but
// small integers, bools and values already in an interface, such as errors)
// into a heap object when it is passed as an `any`, so through the Go kit
// API (Log(keyvals ...any)) every line below pays three allocations at the
// call site, before any Logger runs, and a filtered line pays them too.
// That floor belongs to the API, not to an encoder: the typed front ends
// (kit's level.Logger.LogAttrs, slog's LogAttrs, zerolog, zap) do not box.
// kit-*-attrs are kit's encoders through LogAttrs, kit-logfmt and kit-json
// the same encoders through the Go kit API.
//
//   - vars line: a level, a timestamp and six fields, as the line workload;
//   - vars filtered: the same call at debug level on a logger that allows
//     info and above.
var (
	varMsg     = logMsg
	varStatus  = logStatus
	varTook    = logTook
	varCached  = logCached
	varErr     = errLog
	varElapsed = logElapsed
)

type varsContestant struct {
	impl     string
	line     func(w io.Writer) func()
	filtered func(w io.Writer) func()
}

// kitVars is kit through the Go kit API: level helpers and variadic Log.
func kitVars(impl string, enc func(io.Writer) log.Logger) varsContestant {
	return varsContestant{
		impl: impl,
		line: func(w io.Writer) func() {
			l := log.With(enc(w), "ts", log.DefaultTimestampUTC)
			return func() {
				level.Info(l).Log("msg", varMsg, "status", varStatus, "took", varTook,
					"cached", varCached, "err", varErr, "elapsed", varElapsed)
			}
		},
		filtered: func(w io.Writer) func() {
			l := log.With(level.NewFilter(enc(w), level.AllowInfo()), "ts", log.DefaultTimestampUTC)
			return func() {
				level.Debug(l).Log("msg", varMsg, "status", varStatus, "took", varTook,
					"cached", varCached, "err", varErr, "elapsed", varElapsed)
			}
		},
	}
}

// kitAttrs is kit through its typed front end: level helpers and LogAttrs.
func kitAttrs(impl string, enc func(io.Writer) log.Logger) varsContestant {
	return varsContestant{
		impl: impl,
		line: func(w io.Writer) func() {
			l := log.With(enc(w), "ts", log.DefaultTimestampUTC)
			return func() {
				level.Info(l).LogAttrs(slog.String("msg", varMsg), slog.Int("status", varStatus), slog.Float64("took", varTook),
					slog.Bool("cached", varCached), slog.Any("err", varErr), slog.Duration("elapsed", varElapsed))
			}
		},
		filtered: func(w io.Writer) func() {
			l := log.With(level.NewFilter(enc(w), level.AllowInfo()), "ts", log.DefaultTimestampUTC)
			return func() {
				level.Debug(l).LogAttrs(slog.String("msg", varMsg), slog.Int("status", varStatus), slog.Float64("took", varTook),
					slog.Bool("cached", varCached), slog.Any("err", varErr), slog.Duration("elapsed", varElapsed))
			}
		},
	}
}

// kitAttrsGuarded is kitAttrs with the line guarded by Enabled, as a hot
// debug line may be written.
func kitAttrsGuarded(impl string, enc func(io.Writer) log.Logger) varsContestant {
	return varsContestant{
		impl: impl,
		line: func(w io.Writer) func() {
			l := log.With(enc(w), "ts", log.DefaultTimestampUTC)
			return func() {
				if i := level.Info(l); i.Enabled() {
					i.LogAttrs(slog.String("msg", varMsg), slog.Int("status", varStatus), slog.Float64("took", varTook),
						slog.Bool("cached", varCached), slog.Any("err", varErr), slog.Duration("elapsed", varElapsed))
				}
			}
		},
		filtered: func(w io.Writer) func() {
			l := log.With(level.NewFilter(enc(w), level.AllowInfo()), "ts", log.DefaultTimestampUTC)
			return func() {
				if d := level.Debug(l); d.Enabled() {
					d.LogAttrs(slog.String("msg", varMsg), slog.Int("status", varStatus), slog.Float64("took", varTook),
						slog.Bool("cached", varCached), slog.Any("err", varErr), slog.Duration("elapsed", varElapsed))
				}
			}
		},
	}
}

var varsContestants = []varsContestant{
	kitVars("kit-logfmt", log.NewLogfmtLogger),
	kitVars("kit-json", log.NewJSONLogger),
	kitAttrs("kit-logfmt-attrs", log.NewLogfmtLogger),
	kitAttrs("kit-json-attrs", log.NewJSONLogger),
	kitAttrsGuarded("kit-logfmt-attrs-enabled", log.NewLogfmtLogger),
	{
		impl: "gokit-logfmt",
		line: func(w io.Writer) func() {
			l := gokitlog.With(gokitlog.NewLogfmtLogger(w), "ts", gokitlog.DefaultTimestampUTC)
			return func() {
				gokitlevel.Info(l).Log("msg", varMsg, "status", varStatus, "took", varTook,
					"cached", varCached, "err", varErr, "elapsed", varElapsed)
			}
		},
		filtered: func(w io.Writer) func() {
			l := gokitlog.With(gokitlevel.NewFilter(gokitlog.NewLogfmtLogger(w), gokitlevel.AllowInfo()), "ts", gokitlog.DefaultTimestampUTC)
			return func() {
				gokitlevel.Debug(l).Log("msg", varMsg, "status", varStatus, "took", varTook,
					"cached", varCached, "err", varErr, "elapsed", varElapsed)
			}
		},
	},
	{
		impl: "zap",
		line: func(w io.Writer) func() {
			l := zapLevelLogger(w, zapcore.InfoLevel)
			return func() {
				l.Info(varMsg, zap.Int("status", varStatus), zap.Float64("took", varTook), zap.Bool("cached", varCached),
					zap.NamedError("err", varErr), zap.Duration("elapsed", varElapsed))
			}
		},
		filtered: func(w io.Writer) func() {
			l := zapLevelLogger(w, zapcore.InfoLevel)
			return func() {
				l.Debug(varMsg, zap.Int("status", varStatus), zap.Float64("took", varTook), zap.Bool("cached", varCached),
					zap.NamedError("err", varErr), zap.Duration("elapsed", varElapsed))
			}
		},
	},
	{
		impl: "zerolog",
		line: func(w io.Writer) func() {
			l := zerologLogger(w).Level(zerolog.InfoLevel)
			return func() {
				l.Info().Int("status", varStatus).Float64("took", varTook).Bool("cached", varCached).
					AnErr("err", varErr).Dur("elapsed", varElapsed).Msg(varMsg)
			}
		},
		filtered: func(w io.Writer) func() {
			l := zerologLogger(w).Level(zerolog.InfoLevel)
			return func() {
				l.Debug().Int("status", varStatus).Float64("took", varTook).Bool("cached", varCached).
					AnErr("err", varErr).Dur("elapsed", varElapsed).Msg(varMsg)
			}
		},
	},
	// slog's LogAttrs front end writing straight into kit's logfmt encoder
	// through the bridge, with the Handler's own level.
	{
		impl: "kit-slogbridge",
		line: func(w io.Writer) func() {
			l := slog.New(slogbridge.NewHandler(log.NewLogfmtLogger(w), nil))
			ctx := context.Background()
			return func() {
				l.LogAttrs(ctx, slog.LevelInfo, varMsg, slog.Int("status", varStatus), slog.Float64("took", varTook),
					slog.Bool("cached", varCached), slog.Any("err", varErr), slog.Duration("elapsed", varElapsed))
			}
		},
		filtered: func(w io.Writer) func() {
			l := slog.New(slogbridge.NewHandler(log.NewLogfmtLogger(w), &slogbridge.HandlerOptions{Level: slog.LevelInfo}))
			ctx := context.Background()
			return func() {
				l.LogAttrs(ctx, slog.LevelDebug, varMsg, slog.Int("status", varStatus), slog.Float64("took", varTook),
					slog.Bool("cached", varCached), slog.Any("err", varErr), slog.Duration("elapsed", varElapsed))
			}
		},
	},
}

func TestLogVarsContestantsAgree(t *testing.T) {
	for _, c := range varsContestants {
		t.Run(c.impl, func(t *testing.T) {
			var buf bytes.Buffer
			c.line(&buf)()
			line := buf.String()
			for _, want := range []string{time.Now().UTC().Format("2006-01-02T"), "info", logMsg, "200", "0.0125", "true", errLog.Error()} {
				if !strings.Contains(line, want) {
					t.Errorf("line = %q, want it to contain %q", line, want)
				}
			}
			if strings.Count(line, "\n") != 1 {
				t.Errorf("line = %q, want one line", line)
			}
			buf.Reset()
			c.filtered(&buf)()
			if buf.Len() != 0 {
				t.Errorf("filtered debug line wrote %q, want nothing", buf.String())
			}
		})
	}
}

// zapLevelLogger is zapLogger with the level written too, as every other
// contestant of the vars workloads writes it.
func zapLevelLogger(w io.Writer, lvl zapcore.Level) *zap.Logger {
	cfg := zapcore.EncoderConfig{
		TimeKey:        "ts",
		LevelKey:       "level",
		MessageKey:     "msg",
		EncodeTime:     zapcore.RFC3339NanoTimeEncoder,
		EncodeLevel:    zapcore.LowercaseLevelEncoder,
		EncodeDuration: zapcore.StringDurationEncoder,
	}
	return zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(cfg), zapcore.AddSync(w), lvl))
}

func benchmarkVars(b *testing.B, workload func(c varsContestant) func(io.Writer) func()) {
	for _, c := range varsContestants {
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

func BenchmarkLogVarsLine(b *testing.B) {
	benchmarkVars(b, func(c varsContestant) func(io.Writer) func() { return c.line })
}

func BenchmarkLogVarsFiltered(b *testing.B) {
	benchmarkVars(b, func(c varsContestant) func(io.Writer) func() { return c.filtered })
}
