package main

import (
	"bufio"
	"fmt"
	"io"
	"maps"
	"slices"
	"sync"
	"time"
)

// recorder keeps what a load run saw, second by second since start: calls
// by the second they were due (requests, errors, latency), attempts by the
// second they were sent, per instance. Memory grows by one histogram per
// second of the run, whatever the rate. It is safe for concurrent use.
type recorder struct {
	start time.Time

	mu   sync.Mutex // guards secs
	secs []*second
}

// second is one second's record.
type second struct {
	requests, errors, attempts int
	backups                    int // hedging's backup attempts, among attempts
	byInstance                 map[string]int
	latency                    histogram
}

func newRecorder(start time.Time) *recorder { return &recorder{start: start} }

// at returns the record of the second holding t, growing secs as needed.
// The caller holds r.mu.
func (r *recorder) at(t time.Time) *second {
	i := max(int(t.Sub(r.start)/time.Second), 0)
	for len(r.secs) <= i {
		r.secs = append(r.secs, &second{byInstance: map[string]int{}})
	}
	return r.secs[i]
}

// call records a call due at due that took latency (measured from due, so
// that a late start counts against it) and failed when failed.
func (r *recorder) call(due time.Time, latency time.Duration, failed bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.at(due)
	s.requests++
	if failed {
		s.errors++
	}
	s.latency.record(latency)
}

// attempt records an attempt sent to instance at now.
func (r *recorder) attempt(now time.Time, instance string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.at(now)
	s.attempts++
	s.byInstance[instance]++
}

// backup records a backup attempt sent at now.
func (r *recorder) backup(now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.at(now).backups++
}

// summary is a run's totals.
type summary struct {
	requests, errors, attempts, backups int
	p50, p99, p999                      float64 // milliseconds
}

func (s summary) amplification() float64 {
	if s.requests == 0 {
		return 0
	}
	return float64(s.attempts) / float64(s.requests)
}

// summary returns the totals over every second recorded.
func (r *recorder) summary() summary {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out summary
	var all histogram
	for _, s := range r.secs {
		out.requests += s.requests
		out.errors += s.errors
		out.attempts += s.attempts
		out.backups += s.backups
		all.add(&s.latency)
	}
	out.p50, out.p99, out.p999 = all.quantile(0.5), all.quantile(0.99), all.quantile(0.999)
	return out
}

// Headers of the files writeCSV writes; plotting programs read these
// columns by name.
const (
	seriesHeader = "t_s,series,requests,errors,attempts,p50_ms,p99_ms,p999_ms"
	shareHeader  = "t_s,series,instance,share"
)

// writeSeries writes one row per second to w: requests, errors, attempts
// and latency quantiles (empty seconds have quantiles 0).
func (r *recorder) writeSeries(w io.Writer, series string, header bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	bw := bufio.NewWriter(w)
	if header {
		fmt.Fprintln(bw, seriesHeader)
	}
	for t, s := range r.secs {
		fmt.Fprintf(bw, "%d,%s,%d,%d,%d,%.3f,%.3f,%.3f\n", t, series, s.requests, s.errors, s.attempts,
			s.latency.quantile(0.5), s.latency.quantile(0.99), s.latency.quantile(0.999))
	}
	return bw.Flush()
}

// writeShares writes, for each second, each instance's share of that
// second's attempts (in [0, 1]; the shares of a second sum to 1). Every
// instance seen in the run has a row in every second with attempts, 0
// when it got none.
func (r *recorder) writeShares(w io.Writer, series string, header bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	seen := map[string]bool{}
	for _, s := range r.secs {
		for inst := range s.byInstance {
			seen[inst] = true
		}
	}
	instances := slices.Sorted(maps.Keys(seen))
	bw := bufio.NewWriter(w)
	if header {
		fmt.Fprintln(bw, shareHeader)
	}
	for t, s := range r.secs {
		if s.attempts == 0 {
			continue
		}
		for _, inst := range instances {
			fmt.Fprintf(bw, "%d,%s,%s,%.4f\n", t, series, inst, float64(s.byInstance[inst])/float64(s.attempts))
		}
	}
	return bw.Flush()
}
