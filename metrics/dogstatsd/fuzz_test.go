package dogstatsd_test

import (
	"strings"
	"testing"

	"github.com/endpointkit/kit/metrics/dogstatsd"
	"github.com/endpointkit/kit/metrics/internal/statsdtest"
)

// FuzzTagsCannotBreakLines checks that no label name or value turns into
// more lines, more tags, or a different metric.
func FuzzTagsCannotBreakLines(f *testing.F) {
	f.Add("method", "sum")
	f.Add("a,b", "c|#d:e\nf")
	f.Fuzz(func(t *testing.T, name, value string) {
		d, _ := dogstatsd.New("", dogstatsd.Settings{})
		c, _ := d.NewCounter("requests", 1)
		c.With(name, value).Add(1)
		rec := statsdtest.NewRecorder()
		if _, err := d.WriteTo(rec); err != nil {
			t.Fatalf("output does not parse: %v (packets %q)", err, rec.Packets)
		}
		out := string(rec.Packets[0])
		if strings.Count(out, "\n") != 1 || !strings.HasPrefix(out, "requests:1|c|#") {
			t.Fatalf("With(%q, %q) wrote %q, want one requests:1|c|#… line", name, value, out)
		}
		tags := strings.TrimSuffix(out[len("requests:1|c|#"):], "\n")
		if strings.Count(tags, ",") != 0 || strings.ContainsAny(tags, "|#") {
			t.Fatalf("With(%q, %q) wrote tags %q, want exactly one tag", name, value, tags)
		}
		if n, _, ok := strings.Cut(tags, ":"); !ok || strings.Contains(n, ":") {
			t.Fatalf("With(%q, %q) wrote tag %q, want name:value", name, value, tags)
		}
	})
}
