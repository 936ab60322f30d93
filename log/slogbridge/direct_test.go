package slogbridge_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/endpointkit/kit/log"
	"github.com/endpointkit/kit/log/slogbridge"
)

type token string

func (t token) LogValue() slog.Value { return slog.StringValue("tok-" + string(t)) }

type counter struct{ n int }

func (c *counter) String() string { c.n++; return fmt.Sprint("call ", c.n) }

// TestDirectMatchesKeyvals checks that a Handler over kit's encoders (and
// a context over one), which writes records straight into the encoder's
// line, writes the same bytes as a Handler over a Logger it cannot see
// through, which passes keyvals to Log: for every kind of value, groups,
// bound attributes (constant, encoded once, and not), empty attributes,
// LogValuers, options and zones.
func TestDirectMatchesKeyvals(t *testing.T) {
	at := time.Date(2026, 11, 26, 21, 55, 1, 250000000, time.UTC)
	zones := []*time.Location{time.UTC, time.Local, time.FixedZone("ist", 5*3600+30*60), time.FixedZone("odd", -(3*3600 + 7))}
	encoders := map[string]func(io.Writer) log.Logger{
		"logfmt": log.NewLogfmtLogger,
		"json":   log.NewJSONLogger,
		"logfmt context": func(w io.Writer) log.Logger {
			return log.WithSuffix(log.With(log.NewLogfmtLogger(w), "svc", "adder", "n", 3), "end", true)
		},
		"json context": func(w io.Writer) log.Logger {
			return log.WithPrefix(log.NewJSONLogger(w), "svc", "a b")
		},
	}
	options := []*slogbridge.HandlerOptions{
		nil,
		{TimeKey: "time", LevelKey: "lvl", MessageKey: "message", Level: slog.LevelDebug},
		{AddSource: true},
	}
	builds := map[string]func(slog.Handler, *counter) slog.Handler{
		"plain": func(h slog.Handler, c *counter) slog.Handler { return h },
		"constant attrs": func(h slog.Handler, c *counter) slog.Handler {
			return h.WithAttrs([]slog.Attr{slog.String("region", "eu west"), slog.Int("shard", -7), slog.Float64("ratio", 0.1),
				slog.Duration("ttl", 90*time.Second), slog.Bool("ok", false), slog.Time("since", at), slog.Uint64("big", math.MaxUint64)})
		},
		"varying attrs": func(h slog.Handler, c *counter) slog.Handler {
			return h.WithAttrs([]slog.Attr{slog.String("a", "x"), slog.Any("c", c), slog.Any("tok", token("t"))})
		},
		"groups": func(h slog.Handler, c *counter) slog.Handler {
			return h.WithGroup("req").WithAttrs([]slog.Attr{slog.String("method", "GET"), {}}).WithGroup("").WithGroup("hdr")
		},
		"attrs twice": func(h slog.Handler, c *counter) slog.Handler {
			return h.WithAttrs([]slog.Attr{slog.Int("a", 1)}).WithAttrs([]slog.Attr{slog.Any("e", errors.New("boom"))}).WithAttrs([]slog.Attr{slog.Int("b", 2)})
		},
	}
	attrs := []slog.Attr{
		slog.String("s", "request served"), slog.String("q", "say \"hi\"\n"), slog.String("", "empty key"),
		slog.Int("i", 200), slog.Int64("neg", math.MinInt64), slog.Uint64("u", 18), slog.Float64("f", 0.0125),
		slog.Float64("big", 1e21), slog.Float64("nan", math.NaN()), slog.Float64("inf", math.Inf(-1)),
		slog.Bool("b", true), slog.Duration("d", 1500*time.Millisecond), slog.Duration("dn", -3),
		slog.Any("err", errors.New("connection refused")), slog.Any("nil", nil), slog.Any("m", map[string]int{"k": 1}),
		slog.Any("tok", token("x")), {}, slog.Group("g", slog.Int("x", 1), slog.Group("h", slog.String("y", "z"))),
		slog.Group("", slog.Int("inlined", 1)), slog.Group("empty"), slog.Any("bytes", []byte("a=b")),
	}
	for encName, enc := range encoders {
		for bName, build := range builds {
			for oi, opts := range options {
				for _, z := range zones {
					var direct, keyvals bytes.Buffer
					// Each path has its own counter, whose String runs once per line.
					hd := build(slogbridge.NewHandler(enc(&direct), opts), &counter{})
					hk := build(slogbridge.NewHandler(log.LoggerFunc(enc(&keyvals).Log), opts), &counter{})
					for _, r := range []slog.Record{
						slog.NewRecord(at.In(z), slog.LevelInfo, "request served", 0),
						slog.NewRecord(time.Time{}, slog.LevelWarn+1, "", 0),
						slog.NewRecord(at.Add(time.Nanosecond).In(z), slog.LevelDebug, "x=y", 0),
					} {
						r.AddAttrs(attrs...)
						if opts != nil && opts.AddSource {
							var pcs [1]uintptr
							runtime.Callers(1, pcs[:])
							r.PC = pcs[0]
						}
						if err := hd.Handle(context.Background(), r); err != nil {
							t.Fatal(err)
						}
						if err := hk.Handle(context.Background(), r); err != nil {
							t.Fatal(err)
						}
					}
					if d, k := direct.String(), keyvals.String(); d != k {
						t.Errorf("%s, %s, options %d, zone %s:\ndirect  %s\nkeyvals %s", encName, bName, oi, z, d, k)
					}
				}
			}
		}
	}
}

// FuzzDirectMatchesKeyvals is TestDirectMatchesKeyvals for fuzzed keys,
// groups, strings and numbers.
func FuzzDirectMatchesKeyvals(f *testing.F) {
	f.Add("status", "req", "request served", int64(200), 0.0125, int64(1500000000))
	f.Add("", "", "a \"b\"\n\xff", int64(-1), math.NaN(), int64(math.MinInt64))
	f.Fuzz(func(t *testing.T, key, group, s string, n int64, fl float64, d int64) {
		at := time.Unix(n%(1<<40), d%1e9)
		for _, enc := range []func(io.Writer) log.Logger{log.NewLogfmtLogger, log.NewJSONLogger} {
			var direct, keyvals bytes.Buffer
			build := func(l log.Logger) slog.Handler {
				h := slogbridge.NewHandler(l, &slogbridge.HandlerOptions{TimeKey: key, MessageKey: s})
				return h.WithAttrs([]slog.Attr{slog.String(key, s), slog.Float64(s, fl)}).WithGroup(group)
			}
			hd, hk := build(enc(&direct)), build(log.LoggerFunc(enc(&keyvals).Log))
			r := slog.NewRecord(at, slog.Level(n%16), s, 0)
			r.AddAttrs(slog.String(key, s), slog.Int64(s, n), slog.Float64(key, fl), slog.Duration(key, time.Duration(d)),
				slog.Time(s, at), slog.Group(group, slog.String(key, s)), slog.Any(key, errors.New(s)))
			if err := hd.Handle(context.Background(), r); err != nil {
				t.Fatal(err)
			}
			if err := hk.Handle(context.Background(), r); err != nil {
				t.Fatal(err)
			}
			if direct.String() != keyvals.String() {
				t.Fatalf("direct  %q\nkeyvals %q", direct.String(), keyvals.String())
			}
		}
	})
}

// TestDirectConcurrent logs from many goroutines through one Handler on the
// direct path (shared key cache, stamp cache and pools; run it with -race)
// and checks that every line arrives whole.
func TestDirectConcurrent(t *testing.T) {
	var buf bytes.Buffer
	base := slog.New(slogbridge.NewHandler(log.NewLogfmtLogger(log.NewSyncWriter(&buf)), nil)).With("svc", "adder")
	const goroutines, lines = 8, 200
	done := make(chan struct{})
	for g := range goroutines {
		go func() {
			defer func() { done <- struct{}{} }()
			l := base.With("g", g)
			for i := range lines {
				l.LogAttrs(context.Background(), slog.LevelInfo, "served", slog.Int("i", i), slog.String(fmt.Sprint("k", i%200), "v"))
			}
		}()
	}
	for range goroutines {
		<-done
	}
	got := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(got) != goroutines*lines {
		t.Fatalf("%d lines, want %d", len(got), goroutines*lines)
	}
	for _, line := range got {
		if !strings.HasPrefix(line, "ts=") || !strings.Contains(line, " level=info msg=served svc=adder g=") || !strings.HasSuffix(line, "=v") {
			t.Fatalf("line %q is not whole", line)
		}
	}
}
