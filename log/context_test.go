package log_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/endpointkit/kit/log"
)

// recorder is a Logger that keeps a copy of each call's keyvals.
type recorder struct {
	mu    sync.Mutex
	lines [][]any
}

func (r *recorder) Log(keyvals ...any) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lines = append(r.lines, append([]any(nil), keyvals...))
	return nil
}

func (r *recorder) last() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return fmt.Sprint(r.lines[len(r.lines)-1])
}

func TestWithOrder(t *testing.T) {
	for _, tc := range []struct {
		name  string
		build func(log.Logger) log.Logger
		want  string
	}{
		{"with", func(l log.Logger) log.Logger { return log.With(log.With(l, "a", 1), "b", 2) }, "[a 1 b 2 k v]"},
		{"prefix", func(l log.Logger) log.Logger { return log.WithPrefix(log.With(l, "a", 1), "p", 0) }, "[p 0 a 1 k v]"},
		{"suffix", func(l log.Logger) log.Logger {
			return log.WithSuffix(log.WithSuffix(log.With(l, "a", 1), "s", 1), "t", 2)
		}, "[a 1 k v s 1 t 2]"},
		{"odd bound", func(l log.Logger) log.Logger { return log.With(l, "a") }, "[a log: missing value k v]"},
		{"none", func(l log.Logger) log.Logger { return log.With(l) }, "[k v]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r recorder
			if err := tc.build(&r).Log("k", "v"); err != nil {
				t.Fatal(err)
			}
			if got := r.last(); got != tc.want {
				t.Errorf("Log(k, v) = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestWithOddCallKeepsSuffixAligned(t *testing.T) {
	var r recorder
	l := log.WithSuffix(&r, "s", 1)
	if err := l.Log("k"); err != nil {
		t.Fatal(err)
	}
	if got, want := r.last(), "[k log: missing value s 1]"; got != want {
		t.Errorf("Log(k) = %s, want %s", got, want)
	}
}

func TestWithDoesNotShareBacking(t *testing.T) {
	var r recorder
	base := log.With(&r, "a", 1)
	l1 := log.With(base, "b", 2)
	l2 := log.With(base, "c", 3)
	l1.Log()
	if got, want := r.last(), "[a 1 b 2]"; got != want {
		t.Errorf("l1.Log() = %s, want %s", got, want)
	}
	l2.Log()
	if got, want := r.last(), "[a 1 c 3]"; got != want {
		t.Errorf("l2.Log() = %s, want %s", got, want)
	}
}

func TestValuersEvaluatedPerCall(t *testing.T) {
	for _, tc := range []struct {
		name string
		with func(log.Logger, ...any) log.Logger
	}{
		{"With", log.With},
		{"WithPrefix", log.WithPrefix},
		{"WithSuffix", log.WithSuffix},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r recorder
			n := 0
			count := log.Valuer(func() any { n++; return n })
			l := tc.with(&r, "n", count)
			l.Log("k", "v")
			l.Log("k", "v")
			if got, want := fmt.Sprint(r.lines), "[[n 1 k v] [n 2 k v]]"; !strings.Contains(got, "n 2") || strings.Count(got, "n ") != 2 {
				t.Errorf("two Log calls = %s, want the Valuer called once each (like %s)", got, want)
			}
		})
	}
}

func TestValuerInCallIsNotEvaluated(t *testing.T) {
	var r recorder
	v := log.Valuer(func() any { return "called" })
	log.With(&r, "a", 1).Log("v", v)
	if _, ok := r.lines[0][3].(log.Valuer); !ok {
		t.Errorf("Log(v, Valuer) passed %T, want the Valuer itself", r.lines[0][3])
	}
}

func TestTimestamp(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	clock := func() time.Time { return at }
	for _, tc := range []struct {
		name   string
		valuer log.Valuer
		want   string
	}{
		{"Timestamp", log.Timestamp(clock), "ts=2026-01-02T03:04:05.000000006Z\n"},
		{"TimestampFormat", log.TimestampFormat(clock, time.RFC3339), "ts=2026-01-02T03:04:05Z\n"},
		{"TimestampFormat with spaces", log.TimestampFormat(clock, time.RFC1123), `ts="Fri, 02 Jan 2026 03:04:05 UTC"` + "\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			log.With(log.NewLogfmtLogger(&buf), "ts", tc.valuer).Log()
			if got := buf.String(); got != tc.want {
				t.Errorf("Log() = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestDefaultTimestampUTC(t *testing.T) {
	var buf bytes.Buffer
	before := time.Now()
	log.With(log.NewJSONLogger(&buf), "ts", log.DefaultTimestampUTC).Log()
	var line struct{ TS time.Time }
	if err := jsonUnmarshal(buf.Bytes(), &line); err != nil {
		t.Fatalf("line %q: %v", buf.String(), err)
	}
	if line.TS.Location() != time.UTC || line.TS.Before(before.Add(-time.Second)) || line.TS.After(time.Now().Add(time.Second)) {
		t.Errorf("DefaultTimestampUTC logged %v, want about %v in UTC", line.TS, before)
	}
}

func TestDefaultCaller(t *testing.T) {
	var r recorder
	l := log.With(&r, "caller", log.DefaultCaller)
	l = log.With(l, "more", 1) // flattened: same depth
	_, file, line, _ := runtime.Caller(0)
	l.Log("k", "v")
	want := file[strings.LastIndexByte(file, '/')+1:] + ":" + strconv.Itoa(line+1)
	if got := r.lines[0][1]; got != want {
		t.Errorf("DefaultCaller through With = %v, want %v", got, want)
	}
	l = log.WithPrefix(l, "level", "info")
	_, _, line, _ = runtime.Caller(0)
	l.Log("k", "v")
	want = file[strings.LastIndexByte(file, '/')+1:] + ":" + strconv.Itoa(line+1)
	if got := r.lines[1][3]; got != want {
		t.Errorf("DefaultCaller through WithPrefix = %v, want %v", got, want)
	}
}

// TestConcurrentLinesDoNotInterleave hammers one logger on a synchronised
// bytes.Buffer and checks that every line comes out whole.
func TestConcurrentLinesDoNotInterleave(t *testing.T) {
	for _, tc := range []struct {
		name string
		new  func(w *bytes.Buffer) log.Logger
	}{
		{"logfmt+SyncWriter", func(w *bytes.Buffer) log.Logger { return log.NewLogfmtLogger(log.NewSyncWriter(w)) }},
		{"json+SyncWriter", func(w *bytes.Buffer) log.Logger { return log.NewJSONLogger(log.NewSyncWriter(w)) }},
		{"SyncLogger", func(w *bytes.Buffer) log.Logger { return log.NewSyncLogger(log.NewLogfmtLogger(w)) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			l := log.With(tc.new(&buf), "ts", log.DefaultTimestampUTC)
			const goroutines, lines = 8, 200
			long := strings.Repeat("x y ", 50)
			var wg sync.WaitGroup
			for g := range goroutines {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range lines {
						l.Log("g", g, "i", i, "long", long)
					}
				}()
			}
			wg.Wait()
			out := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
			if len(out) != goroutines*lines {
				t.Fatalf("got %d lines, want %d", len(out), goroutines*lines)
			}
			for _, line := range out {
				if strings.Count(line, "long") != 1 || strings.Count(line, "ts") != 1 {
					t.Fatalf("interleaved line %q", line)
				}
			}
		})
	}
}

func TestDefaultCallerWithEncoders(t *testing.T) {
	for _, tc := range []struct {
		name string
		new  func(*bytes.Buffer) log.Logger
	}{
		{"logfmt", func(b *bytes.Buffer) log.Logger { return log.NewLogfmtLogger(b) }},
		{"json", func(b *bytes.Buffer) log.Logger { return log.NewJSONLogger(b) }},
		{"sync", func(b *bytes.Buffer) log.Logger { return log.NewSyncLogger(log.NewLogfmtLogger(b)) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			l := log.WithSuffix(log.With(tc.new(&buf), "caller", log.DefaultCaller), "s", log.DefaultCaller)
			_, file, line, _ := runtime.Caller(0)
			l.Log("k", "v")
			want := file[strings.LastIndexByte(file, '/')+1:] + ":" + strconv.Itoa(line+1)
			if got := buf.String(); strings.Count(got, want) != 2 {
				t.Errorf("line = %q, want caller and s = %s", got, want)
			}
		})
	}
}

func TestContextDirectAndMergedAgree(t *testing.T) {
	// Contexts write to kit's encoders directly, with constant pairs
	// encoded in advance, and to other Loggers by merging; both must give
	// the same line.
	encoders := map[string]func(io.Writer) log.Logger{"logfmt": log.NewLogfmtLogger, "json": log.NewJSONLogger}
	binds := map[string]func(log.Logger) log.Logger{
		"mixed": func(l log.Logger) log.Logger {
			return log.WithSuffix(log.With(l, "p", 1, "q", "a b", "v", log.Valuer(func() any { return "x" }), 7, 2.5), "s", 2)
		},
		"constants only": func(l log.Logger) log.Logger { return log.With(l, "a", true, "b", time.Second, "c", nil) },
		"odd bound":      func(l log.Logger) log.Logger { return log.WithPrefix(log.With(l, "a", 1, "odd"), "first", "x") },
		"error bound":    func(l log.Logger) log.Logger { return log.With(l, "err", errors.New("e"), "k", "v") },
		"times": func(l log.Logger) log.Logger {
			return log.With(l, "t", time.Unix(0, 5).UTC(), "ts", log.Timestamp(func() time.Time { return time.Unix(1, 0).UTC() }))
		},
	}
	for encName, enc := range encoders {
		for bindName, bind := range binds {
			for _, kv := range [][]any{{"k", "v"}, {"odd"}, {}, {"a", 1, "b"}} {
				var direct, merged bytes.Buffer
				bind(enc(&direct)).Log(kv...)
				bind(log.LoggerFunc(enc(&merged).Log)).Log(kv...)
				if direct.String() != merged.String() {
					t.Errorf("%s %s Log(%q): direct %q, merged %q", encName, bindName, kv, direct.String(), merged.String())
				}
			}
		}
	}
}

func TestDefaultTimestampLocal(t *testing.T) {
	var buf bytes.Buffer
	before := time.Now().Add(-time.Second)
	log.With(log.NewLogfmtLogger(&buf), "ts", log.DefaultTimestamp).Log()
	got, err := time.Parse(time.RFC3339Nano, strings.TrimSuffix(strings.TrimPrefix(buf.String(), "ts="), "\n"))
	if err != nil || got.Before(before) || got.After(time.Now().Add(time.Second)) {
		t.Errorf("DefaultTimestamp logged %q (%v), want the current time", buf.String(), err)
	}
	// Through a Logger other than kit's encoders, the Valuer is called.
	var r recorder
	log.With(&r, "ts", log.DefaultTimestamp).Log()
	if s, ok := r.lines[0][1].(fmt.Stringer); !ok || !strings.HasPrefix(s.String(), time.Now().Format("2006-")) {
		t.Errorf("DefaultTimestamp through a recorder = %#v, want a formatted time", r.lines[0][1])
	}
}
