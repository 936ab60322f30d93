package main

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/plot/vg"
)

const smallCSV = `t_s,series,requests,errors,attempts,p50_ms,p99_ms,p999_ms
0,round_robin,100,0,100,20.1,31.5,40.2
1,round_robin,100,20,100,20.4,1001.0,1002.5
2,round_robin,100,0,100,20.0,30.1,35.0
0,p2c,100,0,104,20.0,30.0,33.0
1,p2c,100,0,110,21.0,45.0,60.0
2,p2c,100,0,101,,,
`

const smallShare = `t_s,series,instance,share
0,round_robin,i1,0.5
0,round_robin,i2,0.5
1,p2c,i1,0.1
1,p2c,i2,0.9
`

const smallFaults = `start_s,end_s,label
0.5,1.5,i1 slow
`

func write(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestRenderSmall renders a small timeline: both images are valid PNGs of
// the expected size.
func TestRenderSmall(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, map[string]string{"s.csv": smallCSV, "s-share.csv": smallShare, "s-faults.csv": smallFaults})
	out := filepath.Join(t.TempDir(), "png")
	written, err := run([]string{dir}, out)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(out, "s.png"), filepath.Join(out, "s-share.png")}
	if strings.Join(written, " ") != strings.Join(want, " ") {
		t.Fatalf("wrote %v, want %v", written, want)
	}
	for _, f := range written {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: not a PNG: %v", f, err)
		}
		if w := img.Bounds().Dx(); w != int(width/vg.Inch*dpi) {
			t.Errorf("%s: %d pixels wide, want %d", f, w, int(width/vg.Inch*dpi))
		}
		if h := img.Bounds().Dy(); h < 300 {
			t.Errorf("%s: %d pixels high, want panels", f, h)
		}
	}
}

// TestPanels checks what the small timeline is shown as: latency (two
// panels), amplification and errors; the empty quantiles of p2c's last
// second are left out, not drawn as 0.
func TestPanels(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, map[string]string{"s.csv": smallCSV})
	tl, err := loadTimeline(filepath.Join(dir, "s"), "s")
	if err != nil {
		t.Fatal(err)
	}
	ps := tl.panels()
	var titles []string
	for _, p := range ps {
		titles = append(titles, p.title)
	}
	if len(ps) != 4 {
		t.Fatalf("panels %q, want latency, p99.9, attempts, errors", titles)
	}
	if n := len(ps[0].lines); n != 4 { // p99 and p50 of two series
		t.Errorf("latency panel has %d lines, want 4", n)
	}
	if n := len(ps[0].lines[1].pts); n != 2 {
		t.Errorf("p2c's p99 line has %d points, want 2 (its last second had no success)", n)
	}
	if got := ps[2].lines[1].pts[1].Y; got != 1.1 {
		t.Errorf("p2c's attempts per request in second 1 = %v, want 1.1", got)
	}
	if tl.sharePanels() != nil {
		t.Errorf("share panels without a share file")
	}
}

// TestBadCSV: every malformed input is a clear error naming the file, the
// line and what is wrong, never a panic or an image.
func TestBadCSV(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"empty", map[string]string{"s.csv": ""}, "s.csv: empty file, want the header t_s,series,"},
		{"header", map[string]string{"s.csv": "t,series\n0,a\n"}, "s.csv:1: header t,series, want t_s,series,requests"},
		{"no rows", map[string]string{"s.csv": "t_s,series,requests,errors,attempts,p50_ms,p99_ms,p999_ms\n"}, "s.csv: no rows under the header"},
		{"columns", map[string]string{"s.csv": "t_s,series,requests,errors,attempts,p50_ms,p99_ms,p999_ms\n0,a,1\n"}, "s.csv: record on line 2: wrong number of fields"},
		{"number", map[string]string{"s.csv": "t_s,series,requests,errors,attempts,p50_ms,p99_ms,p999_ms\n0,a,1,0,1,1.0,x,3\n"}, `s.csv:2: column p99_ms: "x" is not a number`},
		{"negative", map[string]string{"s.csv": "t_s,series,requests,errors,attempts,p50_ms,p99_ms,p999_ms\n-1,a,1,0,1,1,2,3\n"}, `s.csv:2: column t_s: "-1" is not a whole number ≥ 0`},
		{"errors", map[string]string{"s.csv": "t_s,series,requests,errors,attempts,p50_ms,p99_ms,p999_ms\n0,a,1,2,1,1,2,3\n"}, "s.csv:2: column errors: errors (2) exceed requests (1)"},
		{"share", map[string]string{"s.csv": smallCSV, "s-share.csv": "t_s,series,instance,share\n0,a,i1,1.5\n"}, "s-share.csv:2: column share: share 1.5 is not within [0, 1]"},
		{"fault", map[string]string{"s.csv": smallCSV, "s-faults.csv": "start_s,end_s,label\n3,1,x\n"}, "s-faults.csv:2: column end_s: the window ends (1) before it starts (3)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			write(t, dir, tc.files)
			written, err := run([]string{dir}, "")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
			if len(written) != 0 {
				t.Errorf("wrote %v from a bad CSV", written)
			}
		})
	}
	if _, err := run([]string{t.TempDir()}, ""); err == nil || !strings.Contains(err.Error(), "no <name>.csv timeline") {
		t.Errorf("empty directory: %v, want an error saying it holds no timeline", err)
	}
	if _, err := run([]string{"x-share.csv"}, ""); err == nil {
		t.Errorf("a -share.csv given alone: no error")
	}
}

// TestDropPartialLast: a series' last second with few requests is left
// out, a full one is kept.
func TestDropPartialLast(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, map[string]string{"s.csv": smallCSV + "3,p2c,10,0,10,1,2,3\n", "s-share.csv": smallShare + "3,p2c,i1,1\n"})
	tl, err := loadTimeline(filepath.Join(dir, "s"), "s")
	if err != nil {
		t.Fatal(err)
	}
	if got := tl.dropPartialLast(); len(got) != 1 || got[0] != "p2c@3" {
		t.Errorf("dropped %v, want [p2c@3]", got)
	}
	if n := len(tl.samples); n != 6 {
		t.Errorf("%d samples left, want the 6 full seconds", n)
	}
	if n := len(tl.shares); n != 4 {
		t.Errorf("%d shares left, want 4", n)
	}
}
