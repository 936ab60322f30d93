package slogbridge_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"testing"
	"testing/slogtest"
	"time"

	"github.com/endpointkit/kit/log"
	"github.com/endpointkit/kit/log/level"
	"github.com/endpointkit/kit/log/slogbridge"
)

// TestHandlerConformance runs the standard library's conformance tests for
// slog.Handler implementations, reading the kit JSON lines back and turning
// dotted keys into nested groups.
func TestHandlerConformance(t *testing.T) {
	var buf bytes.Buffer
	t.Run("direct", func(t *testing.T) {
		testConformance(t, &buf, func() log.Logger { return log.NewJSONLogger(&buf) })
	})
	t.Run("keyvals", func(t *testing.T) {
		// A Logger the Handler cannot see through: the keyvals path.
		testConformance(t, &buf, func() log.Logger { return log.LoggerFunc(log.NewJSONLogger(&buf).Log) })
	})
}

func testConformance(t *testing.T, buf *bytes.Buffer, logger func() log.Logger) {
	newHandler := func(*testing.T) slog.Handler {
		buf.Reset()
		return slogbridge.NewHandler(logger(), &slogbridge.HandlerOptions{TimeKey: slog.TimeKey})
	}
	result := func(t *testing.T) map[string]any {
		var flat map[string]any
		if err := json.Unmarshal(buf.Bytes(), &flat); err != nil {
			t.Fatalf("line %q: %v", buf.String(), err)
		}
		nested := map[string]any{}
		for k, v := range flat {
			m := nested
			parts := strings.Split(k, ".")
			for _, p := range parts[:len(parts)-1] {
				sub, ok := m[p].(map[string]any)
				if !ok {
					sub = map[string]any{}
					m[p] = sub
				}
				m = sub
			}
			m[parts[len(parts)-1]] = v
		}
		return nested
	}
	slogtest.Run(t, newHandler, result)
}

func TestHandlerLevels(t *testing.T) {
	var buf bytes.Buffer
	filtered := level.NewFilter(log.NewLogfmtLogger(&buf), level.AllowWarn())
	for _, tc := range []struct {
		name    string
		handler slog.Handler
		enabled map[slog.Level]bool
	}{
		{"default info", slogbridge.NewHandler(log.NewNopLogger(), nil),
			map[slog.Level]bool{slog.LevelDebug: false, slog.LevelInfo: true, slog.LevelError: true}},
		{"option debug", slogbridge.NewHandler(log.NewNopLogger(), &slogbridge.HandlerOptions{Level: slog.LevelDebug}),
			map[slog.Level]bool{slog.LevelDebug: true, slog.LevelDebug - 4: false}},
		{"kit filter", slogbridge.NewHandler(filtered, &slogbridge.HandlerOptions{Level: slog.LevelDebug}),
			map[slog.Level]bool{slog.LevelInfo: false, slog.LevelWarn: true, slog.LevelError + 4: true}},
		{"kit filter under With", slogbridge.NewHandler(log.With(filtered, "svc", "x"), nil),
			map[slog.Level]bool{slog.LevelInfo: false, slog.LevelWarn: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for l, want := range tc.enabled {
				if got := tc.handler.Enabled(context.Background(), l); got != want {
					t.Errorf("Enabled(%v) = %v, want %v", l, got, want)
				}
			}
		})
	}
	slog.New(slogbridge.NewHandler(filtered, nil)).Warn("careful", "n", 1)
	slog.New(slogbridge.NewHandler(filtered, nil)).Info("dropped")
	got := buf.String()
	if !strings.Contains(got, "level=warn msg=careful n=1\n") || strings.Contains(got, "dropped") {
		t.Errorf("filtered output = %q, want only the warn line", got)
	}
}

func TestHandlerGroupsAndAttrs(t *testing.T) {
	var buf bytes.Buffer
	h := slogbridge.NewHandler(log.NewLogfmtLogger(&buf), nil)
	l := slog.New(h).With("svc", "adder").WithGroup("req").With("id", 7)
	l.Info("served", "took", 1500*time.Millisecond, slog.Group("user", "name", "ann"), slog.Group("empty"))
	got := strings.SplitN(buf.String(), " ", 2)[1] // drop the time
	if want := "level=info msg=served svc=adder req.id=7 req.took=1.5s req.user.name=ann\n"; got != want {
		t.Errorf("output = %q, want %q", got, want)
	}
}

func TestLoggerToHandler(t *testing.T) {
	var buf bytes.Buffer
	h := slog.NewJSONHandler(&buf, &slog.HandlerOptions{
		Level: slog.LevelInfo,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	})
	logger := log.With(slogbridge.NewLogger(h), "svc", "adder")
	level.Info(logger).Log("msg", "listening", "port", 8080, "odd")
	level.Debug(logger).Log("msg", "dropped by the handler")
	level.Error(logger).Log("err", "boom")
	logger.Log("msg", "no level", 42, "non-string key")
	want := `{"level":"INFO","msg":"listening","svc":"adder","port":8080,"odd":"log: missing value"}
{"level":"ERROR","msg":"boom","svc":"adder","err":"boom"}
{"level":"INFO","msg":"no level","svc":"adder","42":"non-string key"}
`
	if got := buf.String(); got != want {
		t.Errorf("output =\n%s\nwant\n%s", got, want)
	}
}

func TestRoundTrip(t *testing.T) {
	// slog -> kit -> slog: the level and message survive.
	var buf bytes.Buffer
	inner := slog.NewTextHandler(&buf, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}})
	outer := slog.New(slogbridge.NewHandler(slogbridge.NewLogger(inner), nil))
	outer.Warn("disk", "free", "2%")
	if got, want := buf.String(), "level=WARN msg=disk ts="; !strings.HasPrefix(got, want) || !strings.HasSuffix(got, " free=2%\n") {
		t.Errorf("round trip = %q, want %q... free=2%%", got, want)
	}
}

func TestLoggerSource(t *testing.T) {
	var buf bytes.Buffer
	h := slog.NewJSONHandler(&buf, &slog.HandlerOptions{AddSource: true})
	logger := log.With(slogbridge.NewLogger(h), "svc", "adder")
	_, file, line, _ := runtime.Caller(0)
	level.Info(logger).Log("msg", "here")
	var got struct {
		Source struct {
			File string
			Line int
		}
	}
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("line %q: %v", buf.String(), err)
	}
	if got.Source.File != file || got.Source.Line != line+1 {
		t.Errorf("source = %s:%d, want %s:%d", got.Source.File, got.Source.Line, file, line+1)
	}
}

func TestHandlerAddSource(t *testing.T) {
	var buf bytes.Buffer
	l := slog.New(slogbridge.NewHandler(log.NewLogfmtLogger(&buf), &slogbridge.HandlerOptions{AddSource: true}))
	_, file, line, _ := runtime.Caller(0)
	l.Info("here")
	want := fmt.Sprintf("caller=%s:%d\n", file[strings.LastIndexByte(file, '/')+1:], line+1)
	if got := buf.String(); !strings.HasSuffix(got, want) {
		t.Errorf("line = %q, want it to end with %q", got, want)
	}
}

// TestHandlerManyKeys logs more distinct keys than the handler caches, from
// several goroutines, and checks each line keeps its own keys.
func TestHandlerManyKeys(t *testing.T) {
	var buf bytes.Buffer
	l := slog.New(slogbridge.NewHandler(log.NewLogfmtLogger(log.NewSyncWriter(&buf)), nil))
	const goroutines, keys = 4, 300
	done := make(chan struct{})
	for g := range goroutines {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range keys {
				l.Info("m", fmt.Sprintf("k%d_%d", g, i), i, "same", g)
			}
		}()
	}
	for range goroutines {
		<-done
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != goroutines*keys {
		t.Fatalf("got %d lines, want %d", len(lines), goroutines*keys)
	}
	for _, line := range lines {
		var g, i int
		idx := strings.Index(line, " k")
		if _, err := fmt.Sscanf(line[idx+1:], "k%d_%d=", &g, &i); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		if want := fmt.Sprintf(" k%d_%d=%d same=%d", g, i, i, g); !strings.HasSuffix(line, want) {
			t.Errorf("line %q, want suffix %q", line, want)
		}
	}
}

// TestLoggerErrorMessage checks that a line without a message, such as an
// error handler's ("err", err), reaches slog with the error's text as its
// message instead of an empty one, and that a line with a message keeps it.
func TestLoggerErrorMessage(t *testing.T) {
	h := &recordingHandler{}
	logger := slogbridge.NewLogger(h)
	boom := fmt.Errorf("decode: %w", errors.New("unexpected EOF"))
	level.Warn(logger).Log("route", "POST /sum", "err", boom)
	level.Error(logger).Log("msg", "request failed", "err", boom)
	level.Info(logger).Log("k", "v")
	want := []string{"decode: unexpected EOF", "request failed", ""}
	records := h.records
	if len(records) != len(want) {
		t.Fatalf("%d records, want %d", len(records), len(want))
	}
	for i, r := range records {
		if r.Message != want[i] {
			t.Errorf("record %d: message %q, want %q", i, r.Message, want[i])
		}
	}
	var errAttr any
	records[0].Attrs(func(a slog.Attr) bool {
		if a.Key == "err" {
			errAttr = a.Value.Any()
		}
		return true
	})
	if errAttr != boom {
		t.Errorf("the error attribute is %v, want the error itself", errAttr)
	}
}
