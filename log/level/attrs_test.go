package level_test

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"math"
	"regexp"
	"runtime"
	"strconv"
	"testing"
	"testing/synctest"
	"time"

	"github.com/endpointkit/kit/log"
	"github.com/endpointkit/kit/log/level"
)

// tokenValuer is a slog.LogValuer, resolved before it is written.
type tokenValuer string

func (t tokenValuer) LogValue() slog.Value { return slog.StringValue("tok-" + string(t)) }

// TestLogAttrsMatchesLog checks that LogAttrs writes, byte for byte, what
// Log writes for the same keys and values, on the direct path (encoders,
// contexts over them, with and without a filter between) and on the
// keyvals path (Loggers the helper cannot write into). Time stands still in
// the bubble, so both lines carry the same timestamp.
func TestLogAttrsMatchesLog(t *testing.T) {
	at := time.Date(2026, 3, 4, 5, 6, 7, 890, time.FixedZone("X", 3600))
	errBoom := errors.New(`boom "quoted"`)
	attrs := []slog.Attr{
		slog.String("msg", "request served"),
		slog.String("quoted", "a b=c\n\"d\""),
		slog.String("", "empty key"),
		slog.Int("status", 200),
		slog.Int64("neg", math.MinInt64),
		slog.Uint64("big", math.MaxUint64),
		slog.Float64("took", 0.0125),
		slog.Float64("nan", math.NaN()),
		slog.Bool("cached", true),
		slog.Duration("elapsed", 1500*time.Millisecond),
		slog.Time("at", at),
		slog.Any("err", errBoom),
		slog.Any("nil", nil),
		slog.Any("token", tokenValuer("x")),
		slog.Any("map", map[string]int{"a": 1}),
	}
	keyvals := []any{
		"msg", "request served",
		"quoted", "a b=c\n\"d\"",
		"", "empty key",
		"status", int64(200),
		"neg", int64(math.MinInt64),
		"big", uint64(math.MaxUint64),
		"took", 0.0125,
		"nan", math.NaN(),
		"cached", true,
		"elapsed", 1500 * time.Millisecond,
		"at", at,
		"err", errBoom,
		"nil", nil,
		"token", "tok-x",
		"map", map[string]int{"a": 1},
	}
	for _, enc := range []struct {
		name string
		new  func(io.Writer) log.Logger
	}{
		{"logfmt", log.NewLogfmtLogger},
		{"json", log.NewJSONLogger},
	} {
		for _, setup := range []struct {
			name   string
			logger func(log.Logger) log.Logger
		}{
			{"encoder", func(l log.Logger) log.Logger { return l }},
			{"With", func(l log.Logger) log.Logger {
				return log.With(l, "ts", log.DefaultTimestampUTC, "svc", "adder", "n", 3)
			}},
			{"WithSuffix", func(l log.Logger) log.Logger {
				return log.WithSuffix(log.With(l, "ts", log.DefaultTimestamp), "region", "eu west")
			}},
			{"With over filter", func(l log.Logger) log.Logger {
				return log.With(level.NewFilter(l, level.AllowInfo()), "ts", log.DefaultTimestampUTC, "svc", "adder")
			}},
			{"filter over With", func(l log.Logger) log.Logger {
				return level.NewFilter(log.With(l, "ts", log.DefaultTimestampUTC), level.AllowDebug())
			}},
			{"With caller", func(l log.Logger) log.Logger {
				return log.With(l, "caller", log.Caller(3))
			}},
			{"LoggerFunc (keyvals path)", func(l log.Logger) log.Logger {
				return log.With(log.LoggerFunc(l.Log), "ts", log.DefaultTimestampUTC)
			}},
		} {
			t.Run(enc.name+"/"+setup.name, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					var buf bytes.Buffer
					l := setup.logger(enc.new(&buf))
					if err := level.Info(l).Log(keyvals...); err != nil {
						t.Fatal(err)
					}
					want := buf.String()
					buf.Reset()
					if err := level.Info(l).LogAttrs(attrs...); err != nil {
						t.Fatal(err)
					}
					got := buf.String()
					// The caller is each call's own line.
					got, want = callerLine.ReplaceAllString(got, "$1"), callerLine.ReplaceAllString(want, "$1")
					if got != want {
						t.Errorf("LogAttrs wrote\n%q\nLog wrote\n%q", got, want)
					}
				})
			})
		}
	}
}

// callerLine matches the line number of this file in a caller's value.
var callerLine = regexp.MustCompile(`(attrs_test\.go:)\d+`)

// TestLogAttrsGroups checks that groups are flattened with dotted keys,
// inlined when their key is empty and dropped when empty.
func TestLogAttrsGroups(t *testing.T) {
	for _, l := range []struct {
		name string
		new  func(w io.Writer) log.Logger
	}{
		{"direct", func(w io.Writer) log.Logger { return log.NewLogfmtLogger(w) }},
		{"keyvals", func(w io.Writer) log.Logger { return log.LoggerFunc(log.NewLogfmtLogger(w).Log) }},
	} {
		t.Run(l.name, func(t *testing.T) {
			var buf bytes.Buffer
			level.Warn(l.new(&buf)).LogAttrs(
				slog.Group("req", slog.String("method", "GET"), slog.Group("url", slog.String("path", "/x"))),
				slog.Group("", slog.Int("inlined", 1)),
				slog.Group("empty"),
				slog.Attr{},
				slog.String("msg", "done"))
			want := "level=warn req.method=GET req.url.path=/x inlined=1 msg=done\n"
			if got := buf.String(); got != want {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}
}

// TestLogAttrsFiltered checks that a line the filter drops is not written
// and returns the filter's error, on either side of With.
func TestLogAttrsFiltered(t *testing.T) {
	errDropped := errors.New("dropped")
	var buf bytes.Buffer
	f := level.NewFilter(log.NewJSONLogger(&buf), level.AllowWarn(), level.ErrNotAllowed(errDropped))
	for _, l := range []log.Logger{f, log.With(f, "ts", log.DefaultTimestampUTC)} {
		if err := level.Info(l).LogAttrs(slog.String("msg", "x")); err != errDropped {
			t.Errorf("LogAttrs of a dropped line = %v, want %v", err, errDropped)
		}
		if err := level.Error(l).LogAttrs(slog.String("msg", "kept")); err != nil {
			t.Errorf("LogAttrs of an allowed line = %v", err)
		}
	}
	if got, want := bytes.Count(buf.Bytes(), []byte(`"msg":"kept"`)), 2; got != want {
		t.Errorf("wrote %q: %d kept lines, want %d", buf.String(), got, want)
	}
	if bytes.Contains(buf.Bytes(), []byte(`"x"`)) {
		t.Errorf("wrote a dropped line: %q", buf.String())
	}
	var zero level.Logger
	if err := zero.LogAttrs(slog.String("msg", "x")); err != nil {
		t.Errorf("zero Logger's LogAttrs = %v, want nil", err)
	}
}

// Values held in variables, as a service logs them: boxing them into
// []any would allocate.
var (
	attrMsg     = "request served"
	attrTook    = 0.0125
	attrElapsed = 1500 * time.Millisecond
	errAttr     = errors.New("connection refused")
	attrAt      = time.Date(2026, 3, 4, 5, 6, 7, 8, time.UTC)
)

// TestLogAttrsAllocatesNothing checks the point of LogAttrs: no allocation
// for written and dropped lines of variables, over the encoders, contexts
// and the filter.
func TestLogAttrsAllocatesNothing(t *testing.T) {
	logAttrs := func(l level.Logger) {
		l.LogAttrs(slog.String("msg", attrMsg), slog.Int("status", 200), slog.Float64("took", attrTook),
			slog.Bool("cached", true), slog.Any("err", errAttr), slog.Duration("elapsed", attrElapsed),
			slog.Time("at", attrAt))
	}
	enc := log.NewLogfmtLogger(io.Discard)
	with := log.With(enc, "ts", log.DefaultTimestampUTC, "svc", "adder")
	bare := level.NewFilter(log.NewJSONLogger(io.Discard), level.AllowWarn())
	filtered := log.With(level.NewFilter(log.NewJSONLogger(io.Discard), level.AllowInfo()), "ts", log.DefaultTimestampUTC)
	for _, tc := range []struct {
		name string
		log  func()
	}{
		{"encoder", func() { logAttrs(level.Info(enc)) }},
		{"With", func() { logAttrs(level.Info(with)) }},
		{"filter, written", func() { logAttrs(level.Info(filtered)) }},
		{"filter, dropped", func() { logAttrs(level.Debug(filtered)) }},
		{"filter alone", func() { logAttrs(level.Warn(bare)) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if raceEnabled && tc.name != "filter, dropped" {
				t.Skip("the race detector's sync.Pool drops buffers at random")
			}
			tc.log() // warm the pools and caches
			if a := testing.AllocsPerRun(200, tc.log); a != 0 {
				t.Errorf("LogAttrs allocates %v times per call, want 0", a)
			}
		})
	}
}

// TestEnabled checks Enabled against what the filter lets through.
func TestEnabled(t *testing.T) {
	f := level.NewFilter(log.NewNopLogger(), level.AllowWarn())
	for _, l := range []log.Logger{f, log.With(f, "ts", log.DefaultTimestampUTC)} {
		for _, tc := range []struct {
			helper func(log.Logger) level.Logger
			want   bool
		}{
			{level.Debug, false}, {level.Info, false}, {level.Warn, true}, {level.Error, true},
		} {
			if got := tc.helper(l).Enabled(); got != tc.want {
				t.Errorf("Enabled = %v, want %v", got, tc.want)
			}
		}
	}
	if !level.Debug(log.NewNopLogger()).Enabled() {
		t.Error("Enabled without a filter = false, want true")
	}
	if (level.Logger{}).Enabled() {
		t.Error("the zero Logger's Enabled = true, want false")
	}
}

// TestLogAttrsManyKeys writes more distinct keys than the encoded-key
// cache has slots, with keys that need escaping, so that keys collide and
// miss, and checks every line against Log's.
func TestLogAttrsManyKeys(t *testing.T) {
	for _, newEnc := range []func(io.Writer) log.Logger{log.NewLogfmtLogger, log.NewJSONLogger} {
		var buf bytes.Buffer
		l := level.Info(newEnc(&buf))
		for i := range 300 {
			key := strconv.Itoa(i) + `k "=` + strconv.Itoa(i%7)
			for range 2 { // the second time from the cache, if its slot was free
				buf.Reset()
				l.Log("a", 1, key, i)
				want := buf.String()
				buf.Reset()
				l.LogAttrs(slog.Int("a", 1), slog.Int(key, i))
				if got := buf.String(); got != want {
					t.Fatalf("key %q: LogAttrs wrote %q, Log wrote %q", key, got, want)
				}
			}
		}
	}
}

// TestLogAttrsCaller checks that log.DefaultCaller names the line that
// calls LogAttrs, in the setup the package doc recommends.
func TestLogAttrsCaller(t *testing.T) {
	var buf bytes.Buffer
	l := level.NewFilter(log.NewLogfmtLogger(&buf), level.AllowInfo())
	l = log.With(l, "caller", log.DefaultCaller)
	_, _, line, _ := runtime.Caller(0)
	level.Info(l).LogAttrs(slog.String("msg", "x"))
	want := "level=info caller=attrs_test.go:" + strconv.Itoa(line+1) + " msg=x\n"
	if got := buf.String(); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// FuzzLogAttrsMatchesLog checks LogAttrs against Log for arbitrary keys
// and values, through a context and a filter, in both formats.
func FuzzLogAttrsMatchesLog(f *testing.F) {
	f.Add("msg", "request served", int64(200), 0.0125, int64(1500000000), true)
	f.Add("k=\"v\"", "a\nb\x00\xff", int64(-1), math.Inf(-1), int64(-1), false)
	f.Add("", "", int64(math.MinInt64), math.NaN(), int64(math.MaxInt64), true)
	f.Fuzz(func(t *testing.T, key, s string, n int64, fl float64, d int64, b bool) {
		for _, newEnc := range []func(io.Writer) log.Logger{log.NewLogfmtLogger, log.NewJSONLogger} {
			var buf bytes.Buffer
			l := log.With(level.NewFilter(newEnc(&buf), level.AllowDebug()), "svc", s)
			level.Warn(l).Log(key, s, "n", n, "f", fl, "d", time.Duration(d), "b", b, key+"2", errors.New(s))
			want := buf.String()
			buf.Reset()
			level.Warn(l).LogAttrs(slog.String(key, s), slog.Int64("n", n), slog.Float64("f", fl),
				slog.Duration("d", time.Duration(d)), slog.Bool("b", b), slog.Any(key+"2", errors.New(s)))
			if got := buf.String(); got != want {
				t.Fatalf("LogAttrs wrote\n%q\nLog wrote\n%q", got, want)
			}
		}
	})
}

// TestLogAttrsKeyMissesAllocateNothing fills the encoded-key cache, then
// checks that lines whose keys find their slots taken allocate nothing.
func TestLogAttrsKeyMissesAllocateNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's sync.Pool drops buffers at random")
	}
	l := level.Info(log.NewLogfmtLogger(io.Discard))
	for i := range 1000 {
		l.LogAttrs(slog.Int("fill"+strconv.Itoa(i), i))
	}
	logLine := func() {
		l.LogAttrs(slog.String("msg", attrMsg), slog.Float64("other key", attrTook), slog.Duration("x", attrElapsed))
	}
	logLine()
	if a := testing.AllocsPerRun(200, logLine); a != 0 {
		t.Errorf("LogAttrs allocates %v times per call, want 0", a)
	}
}
