package benchmarks

import (
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/loadbalancer"
)

// csvDir, when set (go test -run Scenario -csv dir), makes each scenario
// write its per-second timeline to dir as three CSV files, the format
// cmd/plot renders and the chaos run of examples/addsvc writes too:
//
//	<name>.csv         t_s,series,requests,errors,attempts,p50_ms,p99_ms,p999_ms
//	<name>-share.csv   t_s,series,instance,share
//	<name>-faults.csv  start_s,end_s,label
//
// t_s is the whole second since the contestant's run began in which a
// request was sent (or an attempt made); for the scenarios that run in a
// testing/synctest bubble it is in virtual seconds. series is the
// contestant. requests counts the logical requests sent in that second,
// errors those of them that failed as their caller saw it (timeouts and
// refusals included), attempts the attempts sent to instances in that
// second (attempts/requests is the amplification); the quantiles are of
// the latencies of that second's requests that succeeded, in milliseconds
// (empty when none did). share is an instance's part of that second's
// attempts (0 for an instance the series sent attempts to in other
// seconds but not this one). The faults file gives the fault windows, in seconds since the
// run began, the same for every contestant.
var csvDir = flag.String("csv", "", "write each scenario's per-second timeline as CSV files into this directory")

// timeline records a scenario's per-second figures for every contestant,
// to write them as CSV. A nil *timeline, and the nil *series it hands
// out, record nothing, so the scenarios call them unconditionally.
type timeline struct {
	name   string
	mu     sync.Mutex
	all    []*series
	faults []faultWindow
}

type faultWindow struct {
	start, end time.Duration
	label      string
}

// newTimeline returns a timeline for the scenario name, or nil when -csv
// is not set.
func newTimeline(name string) *timeline {
	if *csvDir == "" {
		return nil
	}
	return &timeline{name: name}
}

// fault records a fault window, from start to end since each run began.
func (tl *timeline) fault(start, end time.Duration, label string) {
	if tl == nil {
		return
	}
	tl.mu.Lock()
	defer tl.mu.Unlock()
	tl.faults = append(tl.faults, faultWindow{start, end, label})
}

// faultCount returns the number of fault windows recorded.
func (tl *timeline) faultCount() int {
	if tl == nil {
		return 0
	}
	tl.mu.Lock()
	defer tl.mu.Unlock()
	return len(tl.faults)
}

// series starts recording the contestant name, whose run begins now
// (time.Now: virtual in a synctest bubble).
func (tl *timeline) series(name string) *series {
	if tl == nil {
		return nil
	}
	s := &series{name: name, begin: time.Now(), secs: map[int]*second{}}
	tl.mu.Lock()
	defer tl.mu.Unlock()
	tl.all = append(tl.all, s)
	return s
}

// series is one contestant's timeline. Its methods are safe for
// concurrent use.
type series struct {
	name      string
	begin     time.Time
	mu        sync.Mutex
	secs      map[int]*second
	instances []string // every instance attempted, sorted
}

type second struct {
	requests, errors, attempts int
	latencies                  []time.Duration
	perInstance                map[string]int
}

// since returns how long after the run began t is (0 for a nil series).
func (s *series) since(t time.Time) time.Duration {
	if s == nil {
		return 0
	}
	return t.Sub(s.begin)
}

func (s *series) at(t time.Time) *second {
	i := max(0, int(t.Sub(s.begin)/time.Second))
	sec := s.secs[i]
	if sec == nil {
		sec = &second{perInstance: map[string]int{}}
		s.secs[i] = sec
	}
	return sec
}

// request records a logical request sent at sent that took latency and
// failed or not.
func (s *series) request(sent time.Time, latency time.Duration, failed bool) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sec := s.at(sent)
	sec.requests++
	if failed {
		sec.errors++
		return
	}
	sec.latencies = append(sec.latencies, latency)
}

// attempt records an attempt sent now to instance ("" when the scenario
// has one instance only, or does not tell them apart).
func (s *series) attempt(instance string) {
	if s == nil {
		return
	}
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	sec := s.at(now)
	sec.attempts++
	if instance != "" {
		sec.perInstance[instance]++
		if i, found := slices.BinarySearch(s.instances, instance); !found {
			s.instances = slices.Insert(s.instances, i, instance)
		}
	}
}

// countAttempts wraps f so that every call of an instance's endpoint is
// recorded in s as an attempt to it, named i1, i2... by its place in
// instances.
func countAttempts(f loadbalancer.Factory, s *series, instances []string) loadbalancer.Factory {
	if s == nil {
		return f
	}
	return func(instance string) (endpoint.Endpoint, io.Closer, error) {
		e, c, err := f(instance)
		if err != nil {
			return nil, nil, err
		}
		name := "i" + strconv.Itoa(slices.Index(instances, instance)+1)
		return func(ctx context.Context, req any) (any, error) {
			s.attempt(name)
			return e(ctx, req)
		}, c, nil
	}
}

// quantileMS returns the q-quantile of sorted latencies in milliseconds,
// as a CSV field ("" when there are none).
func quantileMS(sorted []time.Duration, q float64) string {
	if len(sorted) == 0 {
		return ""
	}
	i := min(len(sorted)-1, int(math.Ceil(q*float64(len(sorted))))-1)
	return strconv.FormatFloat(float64(sorted[max(i, 0)])/float64(time.Millisecond), 'f', 3, 64)
}

// write writes the timeline's three CSV files into dir.
func (tl *timeline) write(dir string) error {
	if tl == nil {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tl.mu.Lock()
	defer tl.mu.Unlock()
	var main, share, faults [][]string
	main = append(main, []string{"t_s", "series", "requests", "errors", "attempts", "p50_ms", "p99_ms", "p999_ms"})
	share = append(share, []string{"t_s", "series", "instance", "share"})
	faults = append(faults, []string{"start_s", "end_s", "label"})
	for _, s := range tl.all {
		s.mu.Lock()
		secs := make([]int, 0, len(s.secs))
		for i := range s.secs {
			secs = append(secs, i)
		}
		slices.Sort(secs)
		for _, i := range secs {
			sec := s.secs[i]
			slices.Sort(sec.latencies)
			t := strconv.Itoa(i)
			main = append(main, []string{t, s.name, strconv.Itoa(sec.requests), strconv.Itoa(sec.errors),
				strconv.Itoa(sec.attempts), quantileMS(sec.latencies, 0.5), quantileMS(sec.latencies, 0.99),
				quantileMS(sec.latencies, 0.999)})
			for _, in := range s.instances { // those without an attempt too: share 0
				if sec.attempts == 0 {
					break
				}
				share = append(share, []string{t, s.name, in,
					strconv.FormatFloat(float64(sec.perInstance[in])/float64(sec.attempts), 'f', 4, 64)})
			}
		}
		s.mu.Unlock()
	}
	for _, f := range tl.faults {
		faults = append(faults, []string{strconv.FormatFloat(f.start.Round(time.Millisecond).Seconds(), 'f', -1, 64),
			strconv.FormatFloat(f.end.Round(time.Millisecond).Seconds(), 'f', -1, 64), f.label})
	}
	return errors.Join(
		writeCSV(filepath.Join(dir, tl.name+".csv"), main),
		writeCSV(filepath.Join(dir, tl.name+"-share.csv"), share),
		writeCSV(filepath.Join(dir, tl.name+"-faults.csv"), faults))
}

func writeCSV(path string, rows [][]string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	w.WriteAll(rows) // flushes
	if err := errors.Join(w.Error(), f.Close()); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// writeTimeline writes tl into -csv's directory, failing t when it cannot.
func writeTimeline(t interface {
	Helper()
	Errorf(string, ...any)
	Logf(string, ...any)
}, tl *timeline) {
	t.Helper()
	if tl == nil {
		return
	}
	if err := tl.write(*csvDir); err != nil {
		t.Errorf("timeline %s: %v", tl.name, err)
		return
	}
	t.Logf("timeline written to %s", filepath.Join(*csvDir, tl.name+".csv"))
}

// TestTimelineCSV checks the recorder's three files, in virtual time:
// requests and attempts land in the second they were sent, quantiles are
// of the successes only, shares are of that second's attempts.
func TestTimelineCSV(t *testing.T) {
	dir := t.TempDir()
	synctest.Test(t, func(t *testing.T) {
		tl := &timeline{name: "x"}
		tl.fault(1500*time.Millisecond, 3*time.Second, "i2 down")
		s := tl.series("rr")
		for i := range 4 {
			s.attempt("i" + strconv.Itoa(1+i%2))
			s.request(time.Now(), time.Duration(i+1)*time.Millisecond, i == 3)
		}
		s.attempt("i1") // a retry
		time.Sleep(1200 * time.Millisecond)
		s.attempt("i2")
		s.request(time.Now(), 7*time.Millisecond, false)
		time.Sleep(time.Second)
		s.request(time.Now(), 0, true) // no attempt at all
		tl.series("p2c")               // no requests: no rows
		if err := tl.write(dir); err != nil {
			t.Fatal(err)
		}
	})
	for file, want := range map[string]string{
		"x.csv": "t_s,series,requests,errors,attempts,p50_ms,p99_ms,p999_ms\n" +
			"0,rr,4,1,5,2.000,3.000,3.000\n" +
			"1,rr,1,0,1,7.000,7.000,7.000\n" +
			"2,rr,1,1,0,,,\n",
		"x-share.csv": "t_s,series,instance,share\n" +
			"0,rr,i1,0.6000\n0,rr,i2,0.4000\n1,rr,i1,0.0000\n1,rr,i2,1.0000\n",
		"x-faults.csv": "start_s,end_s,label\n1.5,3,i2 down\n",
	} {
		got, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != want {
			t.Errorf("%s:\n%s\nwant:\n%s", file, got, want)
		}
	}
}
