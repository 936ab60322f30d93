package log_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/endpointkit/kit/log"
)

type stringer struct{ s string }

func (p *stringer) String() string { return p.s } // panics on a nil receiver

type badError struct{}

func (*badError) Error() string { panic("boom") }

type textValue struct{}

func (textValue) MarshalText() ([]byte, error) { return []byte("as text"), nil }

type rawJSON struct{}

func (rawJSON) MarshalJSON() ([]byte, error) { return []byte(`{"a": [1, 2]}`), nil }

type loopy struct{ Next *loopy }

var (
	when = time.Date(2026, 11, 26, 18, 30, 0, 123456789, time.UTC)
	// errNil is a nil *stringer in a Stringer, the case that panics.
	nilStringer fmt.Stringer = (*stringer)(nil)
)

func logfmtLine(t *testing.T, keyvals ...any) string {
	t.Helper()
	var buf bytes.Buffer
	if err := log.NewLogfmtLogger(&buf).Log(keyvals...); err != nil {
		t.Fatalf("Log(%q) = %v", keyvals, err)
	}
	return buf.String()
}

func jsonLine(t *testing.T, keyvals ...any) string {
	t.Helper()
	var buf bytes.Buffer
	if err := log.NewJSONLogger(&buf).Log(keyvals...); err != nil {
		t.Fatalf("Log(%q) = %v", keyvals, err)
	}
	return buf.String()
}

func TestLogfmtValues(t *testing.T) {
	for _, tc := range []struct {
		name    string
		keyvals []any
		want    string
	}{
		{"bare", []any{"a", "b", "n", 42}, "a=b n=42\n"},
		{"empty value", []any{"a", ""}, "a=\n"},
		{"space", []any{"a", "b c"}, `a="b c"` + "\n"},
		{"equals and quote", []any{"a", `x="y"`}, `a="x=\"y\""` + "\n"},
		{"backslash bare", []any{"a", `c:\dir`}, `a=c:\dir` + "\n"},
		{"backslash quoted", []any{"a", `c:\my dir`}, `a="c:\\my dir"` + "\n"},
		{"control", []any{"a", "x\ny\t\x01\x7f"}, `a="x\ny\t\u0001\u007f"` + "\n"},
		{"invalid utf8", []any{"a\xff", "x\xffy"}, "a_=\"x\uFFFDy\"\n"},
		{"unicode", []any{"a", "héllo"}, "a=héllo\n"},
		{"nil", []any{"a", nil}, "a=null\n"},
		{"bool float", []any{"t", true, "f", 1.5, "g", float32(0.1)}, "t=true f=1.5 g=0.1\n"},
		{"nan", []any{"f", math.NaN(), "i", math.Inf(-1)}, "f=NaN i=-Inf\n"},
		{"error", []any{"err", errors.New("no such file")}, `err="no such file"` + "\n"},
		{"stringer", []any{"s", &stringer{"ok"}}, "s=ok\n"},
		{"nil stringer", []any{"s", nilStringer}, "s=null\n"},
		{"panicking error", []any{"err", &badError{}}, `err="PANIC=Error method: boom"` + "\n"},
		{"text marshaler", []any{"t", textValue{}}, `t="as text"` + "\n"},
		{"time", []any{"ts", when}, "ts=2026-11-26T18:30:00.123456789Z\n"},
		{"duration", []any{"d", 1500 * time.Millisecond}, "d=1.5s\n"},
		{"bytes", []any{"b", []byte("x y")}, `b="x y"` + "\n"},
		{"struct", []any{"s", struct{ A int }{1}}, `s={A:1}` + "\n"},
		{"odd", []any{"a", 1, "b"}, "a=1 b=\"log: missing value\"\n"},
		{"key sanitised", []any{"a b=\"c\"\n", 1}, "a_b__c__=1\n"},
		{"empty key", []any{"", 1}, "_=1\n"},
		{"non-string key", []any{42, "x", nil, "y"}, "42=x null=y\n"},
		{"empty", nil, "\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := logfmtLine(t, tc.keyvals...); got != tc.want {
				t.Errorf("logfmt Log(%q) = %q, want %q", tc.keyvals, got, tc.want)
			}
		})
	}
}

func TestJSONValues(t *testing.T) {
	for _, tc := range []struct {
		name    string
		keyvals []any
		want    string
	}{
		{"scalars", []any{"s", "x", "n", 42, "b", false, "f", 1.5}, `{"s":"x","n":42,"b":false,"f":1.5}`},
		{"escapes", []any{"s", "a\"b\\c\nd\x01<>"}, `{"s":"a\"b\\c\nd\u0001<>"}`},
		{"invalid utf8", []any{"s\xff", "x\xffy"}, `{"s\ufffd":"x\ufffdy"}`},
		{"line separator", []any{"s", "a\u2028b"}, `{"s":"a\u2028b"}`},
		{"nan inf", []any{"n", math.NaN(), "p", math.Inf(1), "m", math.Inf(-1)}, `{"n":"NaN","p":"+Inf","m":"-Inf"}`},
		{"nil", []any{"a", nil}, `{"a":null}`},
		{"error", []any{"err", errors.New("no")}, `{"err":"no"}`},
		{"nil stringer", []any{"s", nilStringer}, `{"s":null}`},
		{"panicking error", []any{"err", &badError{}}, `{"err":"PANIC=Error method: boom"}`},
		{"stringer", []any{"s", &stringer{"ok"}}, `{"s":"ok"}`},
		{"text marshaler", []any{"t", textValue{}}, `{"t":"as text"}`},
		{"json marshaler", []any{"j", rawJSON{}}, `{"j":{"a":[1,2]}}`},
		{"time", []any{"ts", when}, `{"ts":"2026-11-26T18:30:00.123456789Z"}`},
		{"duration", []any{"d", 90 * time.Second}, `{"d":"1m30s"}`},
		{"nested", []any{"m", map[string]any{"k": []int{1, 2}}}, `{"m":{"k":[1,2]}}`},
		{"nested nan", []any{"m", []float64{math.NaN()}}, `{"m":"[NaN]"}`},
		{"non-string key", []any{1, 2, nil, 3}, `{"1":2,"null":3}`},
		{"odd", []any{"a"}, `{"a":"log: missing value"}`},
		{"bytes", []any{"b", []byte("hi")}, `{"b":"hi"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := jsonLine(t, tc.keyvals...)
			if got != tc.want+"\n" {
				t.Errorf("JSON Log(%q) = %q, want %q", tc.keyvals, got, tc.want+"\n")
			}
			if !json.Valid([]byte(got)) {
				t.Errorf("JSON Log(%q) = %q, not valid JSON", tc.keyvals, got)
			}
		})
	}
}

func TestJSONCycleIsValid(t *testing.T) {
	l := &loopy{}
	l.Next = l
	got := jsonLine(t, "loop", l, "ch", make(chan int), "fn", func() {})
	if !json.Valid([]byte(got)) {
		t.Errorf("JSON Log of unmarshallable values = %q, not valid JSON", got)
	}
}

func TestDurationText(t *testing.T) {
	for _, d := range []time.Duration{
		0, 1, 999, time.Microsecond, 1500, time.Millisecond, 1234567, time.Second,
		1500 * time.Millisecond, time.Minute, 90 * time.Second, time.Hour,
		time.Hour + time.Nanosecond, -time.Second, math.MaxInt64, math.MinInt64,
	} {
		want := "d=" + d.String() + "\n"
		if strings.ContainsAny(d.String(), " ") {
			t.Fatalf("duration text %q has a space", d.String())
		}
		if got := logfmtLine(t, "d", d); got != want {
			t.Errorf("logfmt Log(%d) = %q, want %q", int64(d), got, want)
		}
	}
}

func TestWriteErrorReturned(t *testing.T) {
	errWrite := errors.New("disk full")
	w := writerFunc(func([]byte) (int, error) { return 0, errWrite })
	for name, l := range map[string]log.Logger{
		"logfmt": log.NewLogfmtLogger(w),
		"json":   log.NewJSONLogger(w),
	} {
		if err := l.Log("a", 1); !errors.Is(err, errWrite) {
			t.Errorf("%s Log() with failing writer = %v, want %v", name, err, errWrite)
		}
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
