package level_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/endpointkit/kit/log"
	"github.com/endpointkit/kit/log/level"
)

func TestHelpersPutLevelFirst(t *testing.T) {
	for _, tc := range []struct {
		name   string
		helper func(log.Logger) level.Logger
		want   string
	}{
		{"debug", level.Debug, "level=debug a=1 msg=x\n"},
		{"info", level.Info, "level=info a=1 msg=x\n"},
		{"warn", level.Warn, "level=warn a=1 msg=x\n"},
		{"error", level.Error, "level=error a=1 msg=x\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			l := log.With(log.NewLogfmtLogger(&buf), "a", 1)
			if err := tc.helper(l).Log("msg", "x"); err != nil {
				t.Fatal(err)
			}
			if got := buf.String(); got != tc.want {
				t.Errorf("%s(logger).Log = %q, want %q", tc.name, got, tc.want)
			}
		})
	}
}

func TestFilter(t *testing.T) {
	helpers := []func(log.Logger) level.Logger{level.Debug, level.Info, level.Warn, level.Error}
	for _, tc := range []struct {
		name   string
		option level.Option
		want   string // which of debug, info, warn, error pass
	}{
		{"AllowAll", level.AllowAll(), "DIWE"},
		{"AllowDebug", level.AllowDebug(), "DIWE"},
		{"AllowInfo", level.AllowInfo(), "IWE"},
		{"AllowWarn", level.AllowWarn(), "WE"},
		{"AllowError", level.AllowError(), "E"},
		{"AllowNone", level.AllowNone(), ""},
		{"Allow(warn)", level.Allow(level.WarnValue()), "WE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The filter innermost, outermost, and alone.
			for _, shape := range []string{"inner", "outer", "alone"} {
				var buf bytes.Buffer
				var l log.Logger
				switch shape {
				case "inner":
					l = log.With(level.NewFilter(log.NewLogfmtLogger(&buf), tc.option), "a", 1)
				case "outer":
					l = level.NewFilter(log.With(log.NewLogfmtLogger(&buf), "a", 1), tc.option)
				default:
					l = level.NewFilter(log.NewLogfmtLogger(&buf), tc.option)
				}
				for i, h := range helpers {
					h(l).Log("n", i)              // through the helper
					l.Log("level", lv(i), "m", i) // level among the keyvals
				}
				got := ""
				for i, c := range "DIWE" {
					n := strings.Count(buf.String(), "n="+strconv.Itoa(i))
					m := strings.Count(buf.String(), "m="+strconv.Itoa(i))
					if n != m {
						t.Errorf("%s: helper and keyval lines for %c differ: %q", shape, c, buf.String())
					}
					if n > 0 {
						got += string(c)
					}
				}
				if got != tc.want {
					t.Errorf("%s: levels passed = %q, want %q; output %q", shape, got, tc.want, buf.String())
				}
			}
		})
	}
}

func lv(i int) level.Value {
	return []level.Value{level.DebugValue(), level.InfoValue(), level.WarnValue(), level.ErrorValue()}[i]
}

func TestFilterErrors(t *testing.T) {
	errDenied := errors.New("denied")
	errNoLevel := errors.New("no level")
	var buf bytes.Buffer
	f := level.NewFilter(log.NewLogfmtLogger(&buf), level.AllowWarn(),
		level.ErrNotAllowed(errDenied), level.SquelchNoLevel(true), level.ErrNoLevel(errNoLevel))
	ctx := log.With(f, "a", 1)
	for _, tc := range []struct {
		name string
		log  func() error
		want error
	}{
		{"debug on filter", func() error { return level.Debug(f).Log("x", 1) }, errDenied},
		{"debug on context", func() error { return level.Debug(ctx).Log("x", 1) }, errDenied},
		{"info in keyvals", func() error { return f.Log("level", level.InfoValue()) }, errDenied},
		{"no level", func() error { return ctx.Log("x", 1) }, errNoLevel},
		{"warn", func() error { return level.Warn(ctx).Log("x", 1) }, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.log(); !errors.Is(err, tc.want) && err != tc.want {
				t.Errorf("Log() = %v, want %v", err, tc.want)
			}
		})
	}
	if got, want := buf.String(), "level=warn a=1 x=1\n"; got != want {
		t.Errorf("output = %q, want %q", got, want)
	}
}

func TestFilteredLineSkipsValuers(t *testing.T) {
	calls := 0
	count := log.Valuer(func() any { calls++; return calls })
	var buf bytes.Buffer
	l := log.With(level.NewFilter(log.NewLogfmtLogger(&buf), level.AllowInfo()), "n", count)
	level.Debug(l).Log("msg", "dropped")
	if calls != 0 || buf.Len() != 0 {
		t.Errorf("filtered debug line: %d Valuer calls, output %q; want none", calls, buf.String())
	}
	level.Info(l).Log("msg", "kept")
	if calls != 1 || buf.String() != "level=info n=1 msg=kept\n" {
		t.Errorf("info line: %d Valuer calls, output %q; want 1 and the line", calls, buf.String())
	}
}

func TestHelpersDoNotAllocate(t *testing.T) {
	f := level.NewFilter(log.NewNopLogger(), level.AllowInfo())
	ctx := log.With(f, "ts", log.DefaultTimestampUTC)
	level.Debug(ctx) // first call builds the memo
	level.Info(ctx)
	for name, l := range map[string]log.Logger{"filter": f, "context": ctx} {
		if n := testing.AllocsPerRun(100, func() { level.Debug(l); level.Info(l) }); n != 0 {
			t.Errorf("level.Debug/Info(%s) allocate %v times, want 0", name, n)
		}
	}
}

func TestCallerThroughHelpers(t *testing.T) {
	var buf bytes.Buffer
	l := level.NewFilter(log.NewLogfmtLogger(&buf), level.AllowAll())
	l = log.With(l, "caller", log.DefaultCaller)
	_, file, line, _ := runtime.Caller(0)
	level.Info(l).Log("msg", "x")
	want := fmt.Sprintf("level=info caller=%s:%d msg=x\n", file[strings.LastIndexByte(file, '/')+1:], line+1)
	if got := buf.String(); got != want {
		t.Errorf("caller through level.Info = %q, want %q", got, want)
	}
}

func TestInjector(t *testing.T) {
	var buf bytes.Buffer
	l := level.NewInjector(log.NewLogfmtLogger(&buf), level.InfoValue())
	l.Log("msg", "a")
	level.Warn(l).Log("msg", "b")
	if got, want := buf.String(), "level=info msg=a\nlevel=warn msg=b\n"; got != want {
		t.Errorf("injector output = %q, want %q", got, want)
	}
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    level.Value
		wantErr bool
	}{
		{"debug", level.DebugValue(), false},
		{"INFO", level.InfoValue(), false},
		{" warn ", level.WarnValue(), false},
		{"warning", level.WarnValue(), false},
		{"Error", level.ErrorValue(), false},
		{"verbose", nil, true},
		{"", nil, true},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := level.Parse(tc.in)
			if got != tc.want || (err != nil) != tc.wantErr || (err != nil && !errors.Is(err, level.ErrInvalidLevelString)) {
				t.Errorf("Parse(%q) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.wantErr)
			}
		})
	}
	if got := level.ParseDefault("nope", level.InfoValue()); got != level.InfoValue() {
		t.Errorf("ParseDefault(nope, info) = %v, want info", got)
	}
}

func TestKey(t *testing.T) {
	if level.Key() != "level" {
		t.Errorf("Key() = %v, want level", level.Key())
	}
}

// TestConcurrentHelpers hammers the helpers' memo from many goroutines; run
// with -race.
func TestConcurrentHelpers(t *testing.T) {
	var buf bytes.Buffer
	base := level.NewFilter(log.NewLogfmtLogger(log.NewSyncWriter(&buf)), level.AllowInfo())
	l := log.With(base, "ts", log.DefaultTimestampUTC)
	const goroutines, lines = 8, 100
	done := make(chan struct{})
	for g := range goroutines {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range lines {
				level.Debug(l).Log("g", g, "i", i)
				level.Info(l).Log("g", g, "i", i)
				level.Warn(log.With(l, "k", i)).Log("g", g)
			}
		}()
	}
	for range goroutines {
		<-done
	}
	if got, want := strings.Count(buf.String(), "\n"), 2*goroutines*lines; got != want {
		t.Errorf("got %d lines, want %d", got, want)
	}
	if strings.Contains(buf.String(), "level=debug") {
		t.Errorf("debug lines passed the filter")
	}
}

// TestHelperLinesAllocateNothing checks that a line written as code writes
// it, level.Debug(logger).Log(k, v, ...), allocates nothing when the filter
// drops it, and nothing once the pools are warm when it passes through a
// filter to an encoder: the helpers' concrete Logger lets the caller keep
// its keyvals on the stack. (A Valuer bound outside the filter, as in l,
// boxes its value when the line passes.)
func TestHelperLinesAllocateNothing(t *testing.T) {
	f := level.NewFilter(log.NewLogfmtLogger(io.Discard), level.AllowInfo())
	l := log.With(f, "ts", log.DefaultTimestampUTC)
	n := 42
	for _, tc := range []struct {
		name   string
		pooled bool
		log    func()
	}{
		{"dropped", false, func() { level.Debug(l).Log("msg", "cache miss", "n", n) }},
		{"passed", true, func() { level.Info(f).Log("msg", "cache miss", "n", n) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.pooled && raceEnabled {
				t.Skip("the race detector's sync.Pool drops buffers at random")
			}
			tc.log() // warm the pools
			if a := testing.AllocsPerRun(200, tc.log); a != 0 {
				t.Errorf("Log allocates %v times per call, want 0", a)
			}
		})
	}
}
