package main

import (
	"strings"
	"testing"
	"time"
)

// TestRecorderCSV checks the files' exact form, which plotting programs
// read: the headers, a row per second (calls by the second they were due,
// attempts by the second they were sent), shares summing to 1.
func TestRecorderCSV(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	r := newRecorder(start)
	r.call(start, 2*time.Millisecond, false)
	r.attempt(start, "a:1")
	r.call(start.Add(100*time.Millisecond), 4*time.Millisecond, true)
	r.attempt(start.Add(100*time.Millisecond), "a:1")
	r.attempt(start.Add(1100*time.Millisecond), "b:2") // a retry, in the next second
	r.call(start.Add(2500*time.Millisecond), time.Millisecond, false)
	r.attempt(start.Add(2500*time.Millisecond), "b:2")
	r.backup(start.Add(2500 * time.Millisecond))

	var series, shares strings.Builder
	if err := r.writeSeries(&series, "p2c", true); err != nil {
		t.Fatal(err)
	}
	if err := r.writeShares(&shares, "p2c", true); err != nil {
		t.Fatal(err)
	}
	wantSeries := `t_s,series,requests,errors,attempts,p50_ms,p99_ms,p999_ms
0,p2c,2,1,2,2.000,4.000,4.000
1,p2c,0,0,1,0.000,0.000,0.000
2,p2c,1,0,1,1.000,1.000,1.000
`
	if got := series.String(); got != wantSeries {
		t.Errorf("series CSV:\n%s\nwant:\n%s", got, wantSeries)
	}
	wantShares := `t_s,series,instance,share
0,p2c,a:1,1.0000
0,p2c,b:2,0.0000
1,p2c,a:1,0.0000
1,p2c,b:2,1.0000
2,p2c,a:1,0.0000
2,p2c,b:2,1.0000
`
	if got := shares.String(); got != wantShares {
		t.Errorf("share CSV:\n%s\nwant:\n%s", got, wantShares)
	}
	s := r.summary()
	if s.requests != 3 || s.errors != 1 || s.attempts != 4 || s.backups != 1 || s.amplification() != 4.0/3 {
		t.Errorf("summary = %+v (amplification %v), want 3 calls, 1 error, 4 attempts, 1 backup, 4/3", s, s.amplification())
	}
	// Without a header (-out.append), the rows alone.
	series.Reset()
	if err := r.writeSeries(&series, "p2c", false); err != nil {
		t.Fatal(err)
	}
	if got, want := series.String(), strings.SplitN(wantSeries, "\n", 2)[1]; got != want {
		t.Errorf("series CSV without header:\n%s\nwant:\n%s", got, want)
	}
}

// TestBadFlags checks that wrong flag values fail with status 1 and say
// what is wrong, before any load.
func TestBadFlags(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"zero rate", []string{"-rate", "0"}, "-rate 0"},
		{"negative duration", []string{"-duration", "-1s"}, "-duration -1s"},
		{"comma in series", []string{"-series", "a,b"}, `-series "a,b"`},
		{"unknown transport", []string{"-transport", "smtp"}, `unknown transport "smtp"`},
		{"bad hedge percentile", []string{"-hedge", "-hedge.percentile", "1.5"}, "-hedge.percentile 1.5"},
		{"arguments", []string{"1", "2"}, "unexpected arguments"},
		{"unwritable out", []string{"-addr", "127.0.0.1:1", "-out", "/nonexistent/dir/x"}, "no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr strings.Builder
			if code := load(t.Context(), tc.args, &stdout, &stderr); code != 1 {
				t.Errorf("load(%q) = %d, want 1", tc.args, code)
			}
			if !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("load(%q) stderr = %q, want it to contain %q", tc.args, stderr.String(), tc.want)
			}
		})
	}
}
