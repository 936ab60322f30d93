package graphite_test

import (
	"strings"
	"testing"
	"time"

	"github.com/endpointkit/kit/metrics/graphite"
)

// FuzzLabelsCannotBreakLines checks that any label list yields exactly one
// well-formed plaintext line, two path components deeper than the metric.
func FuzzLabelsCannotBreakLines(f *testing.F) {
	f.Add("method", "sum")
	f.Add("a.b", "c d\ne 1 2")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, name, value string) {
		g, _ := graphite.New("", graphite.Settings{})
		c, _ := g.NewCounter("requests")
		c.With(name, value).Add(1)
		var b strings.Builder
		_, _ = g.WriteToAt(&b, time.Unix(1, 0))
		lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
		if len(lines) != 1 {
			t.Fatalf("With(%q, %q) wrote %q, want one line", name, value, b.String())
		}
		p, v, err := parseLine(lines[0])
		if err != nil || v != 1 {
			t.Fatalf("With(%q, %q) wrote %q: %v", name, value, lines[0], err)
		}
		if parts := strings.Split(p, "."); len(parts) != 3 || parts[0] != "requests" || parts[1] == "" || parts[2] == "" {
			t.Fatalf("With(%q, %q) wrote path %q, want requests.<name>.<value>", name, value, p)
		}
	})
}
