// Command plot renders the per-second timelines that kit's benchmark
// scenarios (go test -run Scenario -csv dir, in benchmarks) and the chaos
// run of examples/addsvc write as CSV, as PNG images:
//
//	<name>.png        latency over time (p99 solid and p50 dashed; p99.9),
//	                  attempts per request and errors, one line per series,
//	                  the fault windows shaded
//	<name>-share.png  each instance's share of the attempts over time, one
//	                  panel per series (when <name>-share.csv has rows)
//
// Usage:
//
//	plot [-out dir] path...
//
// A path is a directory, whose every <name>.csv with its <name>-share.csv
// and <name>-faults.csv (both optional) is rendered, or one <name>.csv.
// Images are written beside the CSV files, or into -out. The formats:
//
//	<name>.csv         t_s,series,requests,errors,attempts,p50_ms,p99_ms,p999_ms
//	<name>-share.csv   t_s,series,instance,share
//	<name>-faults.csv  start_s,end_s,label
//
// A series' last second is left out when it holds under half the series'
// median requests a second (the run ended early in it: its few requests
// make its quantiles and shares noise); the program says so on stderr.
//
// A malformed file stops the program with an error naming the file, the
// line and the column.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

func main() {
	out := flag.String("out", "", "write the images into this directory (default: beside each CSV)")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: plot [-out dir] dir-or-csv...\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	written, err := run(flag.Args(), *out)
	for _, f := range written {
		fmt.Println(f)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "plot:", err)
		os.Exit(1)
	}
}

// run renders every timeline found under paths and returns the images
// written.
func run(paths []string, out string) ([]string, error) {
	var bases []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			if !strings.HasSuffix(p, ".csv") || isCompanion(p) {
				return nil, fmt.Errorf("%s: want a directory or a <name>.csv (not its -share or -faults file)", p)
			}
			bases = append(bases, strings.TrimSuffix(p, ".csv"))
			continue
		}
		files, err := filepath.Glob(filepath.Join(p, "*.csv"))
		if err != nil {
			return nil, err
		}
		n := len(bases)
		for _, f := range files {
			if !isCompanion(f) {
				bases = append(bases, strings.TrimSuffix(f, ".csv"))
			}
		}
		if len(bases) == n {
			return nil, fmt.Errorf("%s: no <name>.csv timeline in it", p)
		}
	}
	slices.Sort(bases)
	var written []string
	for _, base := range bases {
		files, err := renderTimeline(base, out)
		written = append(written, files...)
		if err != nil {
			return written, err
		}
	}
	return written, nil
}

func isCompanion(path string) bool {
	return strings.HasSuffix(path, "-share.csv") || strings.HasSuffix(path, "-faults.csv")
}

// renderTimeline renders base's files into <name>.png and, with shares,
// <name>-share.png.
func renderTimeline(base, out string) ([]string, error) {
	name := filepath.Base(base)
	tl, err := loadTimeline(base, name)
	if err != nil {
		return nil, err
	}
	if dropped := tl.dropPartialLast(); len(dropped) > 0 {
		fmt.Fprintf(os.Stderr, "plot: %s: partial last second left out: %s\n", name, strings.Join(dropped, ", "))
	}
	dir := filepath.Dir(base)
	if out != "" {
		dir = out
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
	}
	var written []string
	save := func(file string, render func(*bytes.Buffer) error) error {
		var buf bytes.Buffer
		if err := render(&buf); err != nil {
			return err
		}
		path := filepath.Join(dir, file)
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			return err
		}
		written = append(written, path)
		return nil
	}
	err = save(name+".png", func(b *bytes.Buffer) error {
		return tl.render(b, name+": per second, by contestant", tl.panels(), [][]legendEntry{tl.seriesKeys(), tl.faultKeys()})
	})
	if err != nil {
		return written, err
	}
	if shares := tl.sharePanels(); len(shares) > 0 {
		err = save(name+"-share.png", func(b *bytes.Buffer) error {
			return tl.render(b, name+": share of attempts per instance", shares, [][]legendEntry{tl.instanceKeys(), tl.faultKeys()})
		})
	}
	return written, errors.Join(err)
}
