package log_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/go-logfmt/logfmt"

	"github.com/endpointkit/kit/log"
)

// The round-trip tests read lines back with independent decoders: the
// go-logfmt decoder (a test-only dependency) and encoding/json.

type pair struct{ key, value string }

// decodeLogfmt parses one logfmt line into its pairs.
func decodeLogfmt(t *testing.T, line string) []pair {
	t.Helper()
	d := logfmt.NewDecoder(strings.NewReader(line))
	var got []pair
	records := 0
	for d.ScanRecord() {
		records++
		for d.ScanKeyval() {
			got = append(got, pair{string(d.Key()), string(d.Value())})
		}
	}
	if err := d.Err(); err != nil {
		t.Fatalf("decoding logfmt line %q: %v", line, err)
	}
	if records != 1 || !strings.HasSuffix(line, "\n") || strings.Count(line, "\n") != 1 {
		t.Fatalf("logfmt line %q: %d records, want exactly one line", line, records)
	}
	return got
}

// perByteValid replaces each byte of invalid UTF-8 by U+FFFD, as the
// encoders do.
func perByteValid(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteString("\uFFFD")
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// wantKey is the logfmt key the encoder writes for s.
func wantKey(s string) string {
	if s == "" {
		return "_"
	}
	return strings.Map(func(r rune) rune {
		if r <= ' ' || r == '=' || r == '"' || r == 0x7f || r == utf8.RuneError {
			return '_'
		}
		return r
	}, perByteValid(s))
}

// checkLogfmt encodes keyvals (string keys) and checks that the decoded pairs
// are the expected text of each key and value.
func checkLogfmt(t *testing.T, keyvals []any, texts []string) {
	t.Helper()
	line := logfmtLine(t, keyvals...)
	got := decodeLogfmt(t, line)
	if len(got) != len(keyvals)/2 {
		t.Fatalf("logfmt line %q decodes to %d pairs, want %d", line, len(got), len(keyvals)/2)
	}
	for i, p := range got {
		k := wantKey(keyvals[2*i].(string))
		if p.key != k || p.value != texts[i] {
			t.Errorf("logfmt line %q pair %d = %q=%q, want %q=%q", line, i, p.key, p.value, k, texts[i])
		}
	}
}

// checkJSON encodes keyvals and checks that the line unmarshals to the
// expected object (later keys win, as in the decoder).
func checkJSON(t *testing.T, keyvals []any, want map[string]any) {
	t.Helper()
	line := jsonLine(t, keyvals...)
	if strings.Count(line, "\n") != 1 || !strings.HasSuffix(line, "\n") {
		t.Fatalf("JSON line %q is not exactly one line", line)
	}
	var got map[string]any
	d := json.NewDecoder(strings.NewReader(line))
	d.UseNumber()
	if err := d.Decode(&got); err != nil {
		t.Fatalf("JSON line %q: %v", line, err)
	}
	if len(got) != len(want) {
		t.Fatalf("JSON line %q has %d keys, want %d", line, len(got), len(want))
	}
	for k, w := range want {
		g, ok := got[k]
		if !ok {
			t.Errorf("JSON line %q lacks key %q", line, k)
			continue
		}
		if !sameJSON(g, w) {
			t.Errorf("JSON line %q: %q = %#v, want %#v", line, k, g, w)
		}
	}
}

func sameJSON(got, want any) bool {
	switch w := want.(type) {
	case float64:
		n, ok := got.(json.Number)
		if !ok {
			return false
		}
		f, err := n.Float64()
		return err == nil && f == w
	case int64:
		n, ok := got.(json.Number)
		return ok && n.String() == strconv.FormatInt(w, 10)
	}
	return got == want
}

// fuzzKeyvals builds keyvals from fuzzed inputs and the expected text of
// each value in logfmt and JSON.
func fuzzKeyvals(key, s string, n int64, f float64, b bool) (kv []any, texts []string, obj map[string]any) {
	kv = []any{
		key, s,
		"n", n,
		"f", f,
		"b", b,
		"err", errors.New(s),
		"d", time.Duration(n),
		"nil", nil,
	}
	fText := strconv.FormatFloat(f, 'g', -1, 64)
	texts = []string{
		perByteValid(s), strconv.FormatInt(n, 10), fText, strconv.FormatBool(b),
		perByteValid(s), time.Duration(n).String(), "null",
	}
	var fJSON any = f
	switch {
	case math.IsNaN(f):
		fJSON = "NaN"
	case math.IsInf(f, 1):
		fJSON = "+Inf"
	case math.IsInf(f, -1):
		fJSON = "-Inf"
	}
	obj = map[string]any{}
	vals := []any{perByteValid(s), n, fJSON, b, perByteValid(s), time.Duration(n).String(), nil}
	for i := 0; i < len(kv); i += 2 {
		obj[perByteValid(kv[i].(string))] = vals[i/2]
	}
	return kv, texts, obj
}

func FuzzLogfmt(f *testing.F) {
	f.Add("msg", "hello world", int64(42), 1.5, true)
	f.Add("", "", int64(-1), math.Inf(1), false)
	f.Add("a b=\"c\"", "x\n\"y\"\\z\x00\xff", int64(math.MinInt64), math.NaN(), true)
	f.Add("k\u2028", "\u00a0\u2028 ", int64(1500000), 1e21, false)
	f.Fuzz(func(t *testing.T, key, s string, n int64, fl float64, b bool) {
		kv, texts, _ := fuzzKeyvals(key, s, n, fl, b)
		checkLogfmt(t, kv, texts)
	})
}

func FuzzJSON(f *testing.F) {
	f.Add("msg", "hello world", int64(42), 1.5, true)
	f.Add("", "", int64(-1), math.Inf(1), false)
	f.Add("n", "x\n\"y\"\\z\x00\xff\u2028", int64(math.MinInt64), math.NaN(), true)
	f.Fuzz(func(t *testing.T, key, s string, n int64, fl float64, b bool) {
		kv, _, obj := fuzzKeyvals(key, s, n, fl, b)
		checkJSON(t, kv, obj)
	})
}

// TestRoundTripRandom is the property test: many random keyvals, including
// hostile strings, read back by the independent decoders.
func TestRoundTripRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"a", "Z", " ", "=", `"`, `\`, "\n", "\t", "\x00", "\x7f", "\xff", "é", "\u2028", "😀", "null", "{"}
	randString := func() string {
		var b strings.Builder
		for range r.IntN(12) {
			b.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		return b.String()
	}
	for i := range 2000 {
		key, s := randString(), randString()
		n := r.Int64() >> r.IntN(64)
		if r.IntN(2) == 0 {
			n = -n
		}
		fl := math.Float64frombits(r.Uint64())
		kv, texts, obj := fuzzKeyvals(key, s, n, fl, i%2 == 0)
		checkLogfmt(t, kv, texts)
		checkJSON(t, kv, obj)
		if t.Failed() {
			return
		}
	}
}

func FuzzStdlibAdapter(f *testing.F) {
	f.Add("2009/01/23 01:23:23.123123 /a/b/c/d.go:23: hello world\n")
	f.Add("prefix: 01:23:23 d.go:1: msg")
	f.Add("d.go:: x")
	f.Fuzz(func(t *testing.T, line string) {
		var buf bytes.Buffer
		w := log.NewStdlibAdapter(log.NewLogfmtLogger(&buf), log.Prefix("prefix: ", false))
		n, err := w.Write([]byte(line))
		if err != nil || n != len(line) {
			t.Fatalf("Write(%q) = %d, %v; want %d, nil", line, n, err, len(line))
		}
		pairs := decodeLogfmt(t, buf.String())
		if last := pairs[len(pairs)-1]; last.key != "msg" {
			t.Errorf("Write(%q) logged %q, want msg last", line, buf.String())
		}
	})
}

// FuzzContext binds fuzzed pairs with With, WithPrefix and WithSuffix and
// checks that a context writing straight to an encoder (constant pairs
// encoded in advance) gives the same line as one merging keyvals for another
// Logger, and that the line decodes.
func FuzzContext(f *testing.F) {
	f.Add("k", "v", int64(1), 2.5, "call", "x y")
	f.Add("", "\xff\"", int64(-300), math.NaN(), "=", "")
	f.Fuzz(func(t *testing.T, key, s string, n int64, fl float64, callKey, callVal string) {
		bind := func(l log.Logger) log.Logger {
			l = log.With(l, key, s, "n", n, "err", errors.New(s))
			l = log.WithPrefix(l, "f", fl, key, time.Duration(n))
			return log.WithSuffix(l, "odd")
		}
		for _, enc := range []func(io.Writer) log.Logger{log.NewLogfmtLogger, log.NewJSONLogger} {
			var direct, merged bytes.Buffer
			bind(enc(&direct)).Log(callKey, callVal, "after", n)
			bind(log.LoggerFunc(enc(&merged).Log)).Log(callKey, callVal, "after", n)
			if direct.String() != merged.String() {
				t.Fatalf("direct %q, merged %q", direct.String(), merged.String())
			}
		}
		var buf bytes.Buffer
		bind(log.NewLogfmtLogger(&buf)).Log(callKey, callVal)
		if pairs := decodeLogfmt(t, buf.String()); len(pairs) != 7 {
			t.Errorf("line %q decodes to %d pairs, want 7", buf.String(), len(pairs))
		}
		buf.Reset()
		bind(log.NewJSONLogger(&buf)).Log(callKey, callVal)
		if !json.Valid(buf.Bytes()) {
			t.Errorf("JSON line %q is not valid", buf.String())
		}
	})
}
