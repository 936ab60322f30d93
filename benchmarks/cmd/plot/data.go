package main

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
)

// The three files of a timeline, and their headers.
var (
	mainHeader   = []string{"t_s", "series", "requests", "errors", "attempts", "p50_ms", "p99_ms", "p999_ms"}
	shareHeader  = []string{"t_s", "series", "instance", "share"}
	faultsHeader = []string{"start_s", "end_s", "label"}
)

// sample is one second of one series: a row of <name>.csv.
type sample struct {
	t                          int
	series                     string
	requests, errors, attempts int
	p50, p99, p999             float64 // ms; NaN when no request of that second succeeded
}

// share is a row of <name>-share.csv.
type share struct {
	t                int
	series, instance string
	share            float64
}

// fault is a row of <name>-faults.csv: a window in seconds since the run
// began.
type fault struct {
	start, end float64
	label      string
}

// timeline is a scenario's or a chaos run's three files.
type timeline struct {
	name    string
	samples []sample
	shares  []share
	faults  []fault
}

// seriesNames returns the series in the order they first appear.
func (tl *timeline) seriesNames() []string {
	var names []string
	for _, s := range tl.samples {
		if !slices.Contains(names, s.series) {
			names = append(names, s.series)
		}
	}
	for _, s := range tl.shares {
		if !slices.Contains(names, s.series) {
			names = append(names, s.series)
		}
	}
	return names
}

// instances returns the instances of the share file, sorted.
func (tl *timeline) instances() []string {
	var names []string
	for _, s := range tl.shares {
		if !slices.Contains(names, s.instance) {
			names = append(names, s.instance)
		}
	}
	slices.Sort(names)
	return names
}

// loadTimeline reads base+".csv" and, when they exist, base+"-share.csv"
// and base+"-faults.csv". Every error names the file and the line.
func loadTimeline(base, name string) (*timeline, error) {
	tl := &timeline{name: name}
	err := readCSV(base+".csv", mainHeader, true, func(f fields) {
		s := sample{t: f.int(0), series: f.str(1), requests: f.int(2), errors: f.int(3), attempts: f.int(4),
			p50: f.ms(5), p99: f.ms(6), p999: f.ms(7)}
		if s.errors > s.requests {
			f.fail(3, "errors (%d) exceed requests (%d)", s.errors, s.requests)
		}
		tl.samples = append(tl.samples, s)
	})
	if err != nil {
		return nil, err
	}
	err = readCSV(base+"-share.csv", shareHeader, false, func(f fields) {
		s := share{t: f.int(0), series: f.str(1), instance: f.str(2), share: f.float(3)}
		if s.share < 0 || s.share > 1 {
			f.fail(3, "share %v is not within [0, 1]", s.share)
		}
		tl.shares = append(tl.shares, s)
	})
	if err != nil {
		return nil, err
	}
	err = readCSV(base+"-faults.csv", faultsHeader, false, func(f fields) {
		w := fault{start: f.float(0), end: f.float(1), label: f.str(2)}
		if w.end < w.start {
			f.fail(1, "the window ends (%v) before it starts (%v)", w.end, w.start)
		}
		tl.faults = append(tl.faults, w)
	})
	if err != nil {
		return nil, err
	}
	if len(tl.samples) == 0 {
		return nil, fmt.Errorf("%s.csv: no rows under the header", base)
	}
	return tl, nil
}

// fields is a CSV record being parsed; the first bad field ends the file
// with an error naming it.
type fields struct {
	path   string
	line   int
	header []string
	rec    []string
	err    *error
}

func (f fields) fail(col int, format string, args ...any) {
	if *f.err == nil {
		*f.err = fmt.Errorf("%s:%d: column %s: %s", f.path, f.line, f.header[col], fmt.Sprintf(format, args...))
	}
}

func (f fields) str(col int) string {
	if f.rec[col] == "" {
		f.fail(col, "empty")
	}
	return f.rec[col]
}

func (f fields) int(col int) int {
	n, err := strconv.Atoi(f.rec[col])
	if err != nil || n < 0 {
		f.fail(col, "%q is not a whole number ≥ 0", f.rec[col])
	}
	return n
}

func (f fields) float(col int) float64 {
	x, err := strconv.ParseFloat(f.rec[col], 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		f.fail(col, "%q is not a number", f.rec[col])
	}
	return x
}

// ms parses a latency in milliseconds; empty is NaN (no success that
// second).
func (f fields) ms(col int) float64 {
	if f.rec[col] == "" {
		return math.NaN()
	}
	x := f.float(col)
	if x < 0 {
		f.fail(col, "negative latency %v", x)
	}
	return x
}

// readCSV reads path, checks its header is want, and calls row for each
// record. A missing file is an error only when required.
func readCSV(path string, want []string, required bool, row func(fields)) error {
	file, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) && !required {
		return nil
	}
	if err != nil {
		return err
	}
	defer file.Close()
	r := csv.NewReader(file)
	r.FieldsPerRecord = -1 // the header's length is checked below
	header, err := r.Read()
	if err == io.EOF {
		return fmt.Errorf("%s: empty file, want the header %s", path, strings.Join(want, ","))
	}
	if err != nil {
		return fmt.Errorf("%s: %w (want the header %s)", path, err, strings.Join(want, ","))
	}
	if !slices.Equal(header, want) {
		return fmt.Errorf("%s:1: header %s, want %s", path, strings.Join(header, ","), strings.Join(want, ","))
	}
	r.FieldsPerRecord = len(want)
	var bad error
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		line, _ := r.FieldPos(0)
		row(fields{path: path, line: line, header: want, rec: rec, err: &bad})
		if bad != nil {
			return bad
		}
	}
}

// dropPartialLast leaves out each series' last second when it holds under
// half the series' median requests a second: the run ended early in that
// second, and its few requests (stragglers) make its quantiles and shares
// noise. It returns the seconds left out, as "series@t".
func (tl *timeline) dropPartialLast() []string {
	var dropped []string
	for _, name := range tl.seriesNames() {
		var reqs []int
		last := -1
		for _, s := range tl.samples {
			if s.series == name {
				reqs = append(reqs, s.requests)
				last = max(last, s.t)
			}
		}
		if len(reqs) < 3 {
			continue
		}
		slices.Sort(reqs)
		median := reqs[len(reqs)/2]
		i := slices.IndexFunc(tl.samples, func(s sample) bool { return s.series == name && s.t == last })
		if 2*tl.samples[i].requests >= median {
			continue
		}
		tl.samples = slices.Delete(tl.samples, i, i+1)
		tl.shares = slices.DeleteFunc(tl.shares, func(s share) bool { return s.series == name && s.t == last })
		dropped = append(dropped, fmt.Sprintf("%s@%d", name, last))
	}
	return dropped
}
