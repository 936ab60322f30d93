package log_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/endpointkit/kit/log"
)

// checkFloat compares the float formatter with strconv's shortest 'g'.
func checkFloat(t *testing.T, f float64) {
	t.Helper()
	want := strconv.FormatFloat(f, 'g', -1, 64)
	if got := string(log.AppendFloat64([]byte("x"), f)); got != "x"+want {
		t.Fatalf("AppendFloat64(%v [%#x]) = %q, want %q", f, math.Float64bits(f), got[1:], want)
	}
}

// TestAppendFloat64MatchesStrconv covers the fast path (short decimals in
// [1e-4, 1e6)), its edges and what it leaves to strconv.
func TestAppendFloat64MatchesStrconv(t *testing.T) {
	for _, f := range []float64{
		0, math.Copysign(0, -1), 1, -1, 0.1, 0.2, 0.3, 0.1 + 0.2, 0.0125, 99.5, 3, 123456, 999999, 999999.9999999999,
		1e6, 1e-4, 0.0001, 0.00011, 0.00009999999999999999, math.Nextafter(1e-4, 0), math.Nextafter(1e-4, 1),
		math.Nextafter(1e6, 0), 1e21, 1e-7, math.MaxFloat64, math.SmallestNonzeroFloat64, math.NaN(),
		math.Inf(1), math.Inf(-1), 2.5e-3, 1.0 / 3, 2.0 / 3, 12345.678901, 0.123456789012, 4503599627370497,
		float64(1<<50) / 1e12, 1125899906842.624, 0.000123456789123,
	} {
		checkFloat(t, f)
		checkFloat(t, -f)
	}
	r := rand.New(rand.NewPCG(5, 6))
	for range 200000 {
		checkFloat(t, math.Float64frombits(r.Uint64()))
		// Short decimals, the fast path's domain, and their neighbours.
		k := r.IntN(14)
		f := float64(r.Int64N(1e9)) / math.Pow(10, float64(k))
		checkFloat(t, f)
		checkFloat(t, math.Nextafter(f, math.Inf(1)))
		checkFloat(t, math.Nextafter(f, 0))
		checkFloat(t, r.Float64()*math.Pow(10, float64(r.IntN(12)-5)))
	}
}

func FuzzAppendFloat64(f *testing.F) {
	f.Add(0.0125)
	f.Add(1e-4)
	f.Add(999999.5)
	f.Add(0.1 + 0.2)
	f.Fuzz(func(t *testing.T, x float64) { checkFloat(t, x) })
}

func TestAppendIntMatchesStrconv(t *testing.T) {
	ints := []int64{0, 1, 9, 10, 99, 100, 999, 1000, 9999, 10000, 123456789, math.MaxInt64, math.MinInt64, math.MinInt64 + 1}
	r := rand.New(rand.NewPCG(7, 8))
	for range 100000 {
		ints = append(ints, r.Int64()>>r.IntN(64))
	}
	for _, i := range ints {
		for _, i := range []int64{i, -i} {
			if got, want := string(log.AppendInt(nil, i)), strconv.FormatInt(i, 10); got != want {
				t.Fatalf("AppendInt(%d) = %q, want %q", i, got, want)
			}
		}
		u := uint64(i) * 3
		if got, want := string(log.AppendUint(nil, u)), strconv.FormatUint(u, 10); got != want {
			t.Fatalf("AppendUint(%d) = %q, want %q", u, got, want)
		}
	}
}

func TestAppendDurationMatchesString(t *testing.T) {
	ds := []time.Duration{0, 1, 999, 1000, 1500, time.Millisecond, 1500 * time.Millisecond, time.Second, 61 * time.Second,
		time.Hour, 25*time.Hour + 1, math.MaxInt64, math.MinInt64}
	r := rand.New(rand.NewPCG(9, 10))
	for range 100000 {
		ds = append(ds, time.Duration(r.Int64()>>r.IntN(64)))
		ds = append(ds, time.Duration(r.Int64N(1e6))*time.Duration([]int64{1, 1e3, 1e6, 1e9}[r.IntN(4)]))
	}
	for _, d := range ds {
		for _, d := range []time.Duration{d, -d} {
			if got, want := string(log.AppendDuration(nil, d)), d.String(); got != want {
				t.Fatalf("AppendDuration(%d) = %q, want %q", int64(d), got, want)
			}
		}
	}
}

// TestErrorsNewFastPath checks that errors from errors.New, which skip the
// guard against panicking Error methods, are written as before, the nil
// pointer of their type included (null, as for other panicking nil
// receivers).
func TestErrorsNewFastPath(t *testing.T) {
	nilPlain := reflect.Zero(reflect.TypeOf(errors.New(""))).Interface().(error)
	for _, tc := range []struct {
		name    string
		err     error
		logfmt  string
		jsonVal string
	}{
		{"errors.New", errors.New("connection refused"), `err="connection refused"`, `"connection refused"`},
		{"nil pointer", nilPlain, `err=null`, `null`},
		{"wrapped", fmt.Errorf("dial: %w", errors.New("x")), `err="dial: x"`, `"dial: x"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			log.NewLogfmtLogger(&buf).Log("err", tc.err)
			if got := buf.String(); got != tc.logfmt+"\n" {
				t.Errorf("logfmt = %q, want %q", got, tc.logfmt+"\n")
			}
			buf.Reset()
			log.NewJSONLogger(&buf).Log("err", tc.err)
			if got, want := buf.String(), `{"err":`+tc.jsonVal+"}\n"; got != want {
				t.Errorf("JSON = %q, want %q", got, want)
			}
		})
	}
}

// TestTimestampRunsEncodedOnce checks lines whose bound pairs mix default
// timestamps, which the context encodes with their keys and the constant
// pairs around them, and other values.
func TestTimestampRunsEncodedOnce(t *testing.T) {
	ts := `\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)`
	for _, tc := range []struct {
		name string
		bind []any
		want string // a regular expression for the line, logfmt then JSON
		json string
	}{
		{"ts first", []any{"ts", log.DefaultTimestampUTC, "svc", "a b", "n", 1},
			`ts=` + ts + ` svc="a b" n=1 msg=hi`, `\{"ts":"` + ts + `","svc":"a b","n":1,"msg":"hi"\}`},
		{"ts between", []any{"svc", "x", "ts", log.DefaultTimestamp, "n", 2, "err", errors.New("e")},
			`svc=x ts=` + ts + ` n=2 err=e msg=hi`, `\{"svc":"x","ts":"` + ts + `","n":2,"err":"e","msg":"hi"\}`},
		{"two stamps", []any{"a", log.DefaultTimestampUTC, "b", log.DefaultTimestamp, "c", 3},
			`a=` + ts + ` b=` + ts + ` c=3 msg=hi`, `\{"a":"` + ts + `","b":"` + ts + `","c":3,"msg":"hi"\}`},
		{"stamp last", []any{"x y", 1.5, "ts", log.DefaultTimestampUTC},
			`x_y=1.5 ts=` + ts + ` msg=hi`, `\{"x y":1.5,"ts":"` + ts + `","msg":"hi"\}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, enc := range []struct {
				new  func(io.Writer) log.Logger
				want string
			}{{log.NewLogfmtLogger, tc.want}, {log.NewJSONLogger, tc.json}} {
				var buf bytes.Buffer
				l := log.With(enc.new(&buf), tc.bind...)
				l.Log("msg", "hi")
				l.Log("msg", "hi") // within the same second, mostly: from the cache
				for _, line := range strings.SplitAfter(strings.TrimSuffix(buf.String(), "\n"), "\n") {
					if !regexp.MustCompile(`^` + enc.want + `\n?$`).MatchString(line) {
						t.Errorf("line %q does not match %s", line, enc.want)
					}
				}
			}
		})
	}
}

// FuzzAppendUint compares the integer formatters, whose single digits are
// appended inline and the rest by a second function, with strconv.
func FuzzAppendUint(f *testing.F) {
	for _, u := range []uint64{0, 9, 10, 99, 100, 999, 1000, math.MaxUint64} {
		f.Add(u)
	}
	f.Fuzz(func(t *testing.T, u uint64) {
		if got, want := string(log.AppendUint([]byte("x"), u)), "x"+strconv.FormatUint(u, 10); got != want {
			t.Fatalf("AppendUint(%d) = %q, want %q", u, got, want)
		}
		if got, want := string(log.AppendInt([]byte("x"), int64(u))), "x"+strconv.FormatInt(int64(u), 10); got != want {
			t.Fatalf("AppendInt(%d) = %q, want %q", int64(u), got, want)
		}
	})
}
