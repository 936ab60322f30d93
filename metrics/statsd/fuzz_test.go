package statsd_test

import (
	"strings"
	"testing"

	"github.com/endpointkit/kit/metrics/internal/statsdtest"
	"github.com/endpointkit/kit/metrics/statsd"
)

// FuzzLabelsCannotBreakLines checks that no label name or value, however
// hostile, changes the shape of the output: one well-formed counter line.
func FuzzLabelsCannotBreakLines(f *testing.F) {
	f.Add("method", "sum")
	f.Add("a:b", "c|d@e#f\ng")
	f.Add("", "\r\n:1|c\nx")
	f.Fuzz(func(t *testing.T, name, value string) {
		s, _ := statsd.New("", statsd.Settings{})
		c, _ := s.NewCounter("requests", 1)
		c.With(name, value).Add(1)
		rec := statsdtest.NewRecorder()
		if _, err := s.WriteTo(rec); err != nil {
			t.Fatalf("output does not parse: %v (packets %q)", err, rec.Packets)
		}
		out := string(rec.Packets[0])
		if strings.Count(out, "\n") != 1 {
			t.Fatalf("With(%q, %q) wrote %q, want one line", name, value, out)
		}
		tot := rec.Totals()
		if len(tot.Counters) != 1 {
			t.Fatalf("With(%q, %q) wrote %q: counters %v, want one", name, value, out, tot.Counters)
		}
		for k, v := range tot.Counters {
			if v != 1 || !strings.HasPrefix(k, "requests.") {
				t.Fatalf("With(%q, %q): %s = %v, want requests.… = 1", name, value, k, v)
			}
		}
	})
}
