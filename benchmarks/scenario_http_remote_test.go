package benchmarks

import (
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"
)

// The loopback overload scenario can put its server in a process of its
// own, so that the client's work (an open-loop sender, its HTTP stack, its
// bookkeeping) does not share a Go runtime with the server's, and, with
// taskset, not a CPU either (overload2p.sh runs it so):
//
//	kitbench.test -overload.serve 127.0.0.1:0        # prints its URL
//	kitbench.test -test.run '^$' -test.bench ScenarioOverloadHTTP \
//		-overload.remote http://127.0.0.1:PORT
//
// Before each run the client asks the server (/reset) for a fresh server
// with the run's contestant; after it, for the server's records of every
// job and refusal (/records). Their times are wall-clock, which both
// processes read from the same kernel.
var (
	ovServe  = flag.String("overload.serve", "", "serve the overload scenario's server on this address instead of running tests")
	ovRemote = flag.String("overload.remote", "", "BenchmarkScenarioOverloadHTTP: load the server at this URL (started with -overload.serve) instead of one in this process")
)

// TestMain runs the tests, or, with -overload.serve, only the overload
// scenario's server until the process is killed.
func TestMain(m *testing.M) {
	flag.Parse()
	if *ovServe != "" {
		if err := serveOverload(*ovServe); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// ovRecords is the server's records as /records sends them.
type ovRecords struct {
	Jobs     [][4]int64 // id, enter, start, done (Unix nanoseconds)
	Refusals []ovRefusalRecord
}

type ovRefusalRecord struct {
	At   int64 // Unix nanoseconds
	Idle bool
}

// ovRemoteServer serves /reset, /records, and the current server's
// scenario handler on every other path.
type ovRemoteServer struct {
	mu sync.Mutex
	s  *ovServer
	h  http.Handler
}

// ServeHTTP implements http.Handler.
func (rs *ovRemoteServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/reset":
		name := r.URL.Query().Get("impl")
		i := slices.IndexFunc(overloadContestants, func(c overloadContestant) bool { return c.name == name })
		precise, err := strconv.ParseBool(r.URL.Query().Get("precise"))
		if i < 0 || err != nil {
			http.Error(w, fmt.Sprintf("want /reset?impl=NAME&precise=BOOL with a contestant's name, got %q", r.URL.RawQuery), http.StatusBadRequest)
			return
		}
		s, h := newOvServer(overloadContestants[i].make(), precise)
		rs.mu.Lock()
		if rs.s != nil {
			close(rs.s.stop)
		}
		rs.s, rs.h = s, h
		rs.mu.Unlock()
	case "/records":
		rs.mu.Lock()
		s := rs.s
		rs.mu.Unlock()
		if s == nil {
			http.Error(w, "no run yet: /reset first", http.StatusConflict)
			return
		}
		var rec ovRecords
		s.mu.Lock()
		for _, j := range s.jobs {
			rec.Jobs = append(rec.Jobs, [4]int64{j.id, j.enter.UnixNano(), j.start.UnixNano(), j.done.UnixNano()})
		}
		for _, f := range s.refusals {
			rec.Refusals = append(rec.Refusals, ovRefusalRecord{f.at.UnixNano(), f.idle})
		}
		s.mu.Unlock()
		json.NewEncoder(w).Encode(rec)
	default:
		rs.mu.Lock()
		h := rs.h
		rs.mu.Unlock()
		if h == nil {
			http.Error(w, "no run yet: /reset first", http.StatusConflict)
			return
		}
		h.ServeHTTP(w, r)
	}
}

// serveOverload serves the scenario's server on addr until killed, after
// printing its URL.
func serveOverload(addr string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Printf("http://%s\n", l.Addr())
	return http.Serve(l, &ovRemoteServer{})
}

// overloadRemote runs the scenario against the server at base.
func overloadRemote(c overloadContestant, precise bool, base string) (httpResult, error) {
	get := func(path string, into any) error {
		resp, err := http.Get(base + path)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("%s%s: %s", base, path, resp.Status)
		}
		if into == nil {
			return nil
		}
		return json.NewDecoder(resp.Body).Decode(into)
	}
	q := url.Values{"impl": {c.name}, "precise": {strconv.FormatBool(precise)}}
	if err := get("/reset?"+q.Encode(), nil); err != nil {
		return httpResult{}, err
	}
	var recErr error
	r := overloadClient(base, func() ([]ovJob, []ovRefusal) {
		var rec ovRecords
		if recErr = get("/records", &rec); recErr != nil {
			return nil, nil
		}
		jobs := make([]ovJob, len(rec.Jobs))
		for i, j := range rec.Jobs {
			jobs[i] = ovJob{id: j[0], enter: time.Unix(0, j[1]), start: time.Unix(0, j[2]), done: time.Unix(0, j[3])}
		}
		refusals := make([]ovRefusal, len(rec.Refusals))
		for i, f := range rec.Refusals {
			refusals[i] = ovRefusal{at: time.Unix(0, f.At), idle: f.Idle}
		}
		return jobs, refusals
	})
	return r, recErr
}

// TestOverloadRemote runs one short loopback overload run against a
// server in this process behind the remote protocol (/reset, /records),
// and checks the result is the one an in-process server gives: jobs were
// recorded and matched to the client's samples.
func TestOverloadRemote(t *testing.T) {
	rs := &ovRemoteServer{}
	srv := newLoopbackServer(t, rs)
	if _, err := overloadRemote(overloadContestant{name: "nope"}, true, srv); err == nil {
		t.Errorf("an unknown contestant: no error")
	}
	r, err := overloadRemote(overloadContestants[1], true, srv) // fixed-8
	if err != nil {
		t.Fatal(err)
	}
	if r.svcMean != ovService {
		t.Errorf("mean job time %v, want %v on the deadline server: no jobs recorded?", r.svcMean, ovService)
	}
	if r.goodput == 0 {
		t.Errorf("goodput 0: jobs not matched to the client's samples")
	}
	if r.rejected == 0 {
		t.Errorf("nothing refused at 3x capacity with a limit of 8")
	}
}

func newLoopbackServer(t *testing.T, h http.Handler) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return "http://" + l.Addr().String()
}

// TestIdleIntervals checks the accounting behind refused-then-idle-%: two
// workers; a gap while only one job runs and none waits counts, a
// hand-off to a waiting job does not; a refusal followed by a gap within
// one service time counts, one long before it does not.
func TestIdleIntervals(t *testing.T) {
	at := func(ms int) time.Time { return time.Unix(0, 0).Add(time.Duration(ms) * time.Millisecond) }
	job := func(enter, start, done int) ovJob { return ovJob{enter: at(enter), start: at(start), done: at(done)} }
	jobs := []ovJob{
		job(0, 0, 10),
		job(0, 0, 10),
		job(5, 11, 21),  // waited from 5: the hand-off 10–11 is not idle
		job(13, 13, 23), // the other worker idles 11–13 with none waiting
		job(20, 21, 31),
		job(23, 23, 33), // one job left at 31: idle 31–33
	}
	gaps := idleIntervals(jobs, 2)
	want := [][2]time.Time{{at(11), at(13)}, {at(31), at(33)}}
	if !slices.EqualFunc(gaps, want, func(a, b [2]time.Time) bool { return a[0].Equal(b[0]) && a[1].Equal(b[1]) }) {
		t.Fatalf("gaps %v, want %v", gaps, want)
	}
	for _, tc := range []struct {
		refused int
		want    bool
	}{{2, true}, {1, false}, {12, true}, {13, false}, {25, true}, {33, false}} {
		if got := idleWithin(gaps, at(tc.refused), at(tc.refused).Add(ovService)); got != tc.want {
			t.Errorf("refusal at %dms: idle within %v = %v, want %v", tc.refused, ovService, got, tc.want)
		}
	}
}
