package benchmarks

import (
	"context"
	"errors"
	"flag"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/ratelimit"
)

// The overload scenario again, on wall-clock time over a real loopback HTTP
// server (net/http), to check that the simulation's conclusion survives a
// network stack, a scheduler and a client that shares the machine. The
// server is the simulated one: ovWorkers workers at ovService per request,
// requests queue for a worker and the handler does not notice callers that
// gave up. The limiter wraps the server's endpoint; a refused request is
// answered 503 at once. The client offers ovCapacity/2 for httpWarm, then
// 3x ovCapacity for httpHold, open-loop; each request gives up after
// httpGiveUp. Goodput counts the jobs the server started during the hold
// (so that requests still queued when the hold ends do not inflate it);
// the other figures are for requests sent during the hold.
const (
	httpWarm   = 500 * time.Millisecond
	httpHold   = 2 * time.Second
	httpGiveUp = time.Second
)

// BenchmarkScenarioOverloadHTTP runs the scenario once per server and
// contestant whatever b.N (each run takes httpWarm+httpHold) and reports
// goodput (answers within ovSLO per second), goodput as a share of the
// nominal capacity (ovCapacity) and of the capacity measured in the same
// run (ovWorkers over the mean time a job held a worker during the hold),
// the p99 latency of accepted requests and the share refused; then, to
// tell where capacity goes, the mean time a job held a worker, the share
// of worker time busy during the hold, the share of refusals made while a
// worker was idle and no admitted request waited for one (a limit too
// tight), the p99 wait for a worker (a limit too loose), the share of
// answers beyond the SLO, and the p99 lateness of the client's sends
// against its schedule. server=sleep is the first version's server (a job
// is a time.Sleep), server=deadline keeps each worker to ovService a job
// (see ovServer).
func BenchmarkScenarioOverloadHTTP(b *testing.B) {
	for _, server := range []struct {
		name    string
		precise bool
	}{{"sleep", false}, {"deadline", true}} {
		for _, c := range []overloadContestant{overloadContestants[0], overloadContestants[1], overloadContestants[3]} {
			b.Run("server="+server.name+"/impl="+c.name, func(b *testing.B) {
				var r httpResult
				for range b.N {
					r = overloadHTTP(c, server.precise)
				}
				b.ReportMetric(r.goodput, "goodput-req/s")
				b.ReportMetric(100*r.goodput/ovCapacity, "goodput-%nominal")
				b.ReportMetric(100*r.goodput/r.capacity(), "goodput-%measured")
				b.ReportMetric(float64(r.p99)/float64(time.Millisecond), "p99-ms")
				b.ReportMetric(100*r.rejected, "rejected-%")
				b.ReportMetric(float64(r.svcMean)/float64(time.Millisecond), "job-ms")
				b.ReportMetric(100*r.busy, "busy-%")
				b.ReportMetric(100*r.idleRefusals, "idle-refused-%")
				b.ReportMetric(100*r.refusedThenIdle, "refused-then-idle-%")
				b.ReportMetric(float64(r.queueP99)/float64(time.Millisecond), "wait-p99-ms")
				b.ReportMetric(100*r.slow, "slow-%")
				b.ReportMetric(float64(r.sendLateP99)/float64(time.Millisecond), "send-late-p99-ms")
				// The README's claims, with room for a busy machine: a
				// limit keeps goodput near the capacity measured in the
				// run (99.5-100% on a quiet one); without one it collapses
				// (7%). A client that could not keep its schedule (1.2ms
				// late at p99 on a quiet machine; 0.1-7s at a load
				// average of 15) did not offer the overload, and the run
				// proves nothing either way: it is skipped, not passed.
				if late := r.sendLateP99; late > 10*time.Millisecond {
					if *ovLoaded {
						return // report the figures, judge nothing
					}
					b.Skipf("the client sent %v late at p99: the machine is too loaded to judge this run", late)
				}
				measured := r.goodput / r.capacity()
				switch c.name {
				case "none":
					if r.goodput > 0.5*ovCapacity {
						b.Errorf("unprotected goodput = %.0f/s, want a collapse below half of %.0f", r.goodput, ovCapacity)
					}
				default:
					if measured < 0.8 {
						b.Errorf("%s goodput = %.0f%% of the measured capacity, want at least 80%%", c.name, 100*measured)
					}
				}
			})
		}
	}
}

// ovLoaded makes BenchmarkScenarioOverloadHTTP report the figures of a
// run whose client could not keep its schedule, which it otherwise skips;
// such a run's claims are not checked (send-late-p99-ms says how late).
var ovLoaded = flag.Bool("overload.loaded", false, "BenchmarkScenarioOverloadHTTP: report runs on a machine too loaded to judge them, instead of skipping them")

var errStopped = errors.New("server stopping")

// httpResult is an overloadResult with what the harness saw of the
// server and the client, to tell where capacity goes.
type httpResult struct {
	overloadResult
	svcMean      time.Duration // actual time a job held a worker, jobs started in the hold
	busy         float64       // share of worker time busy during the hold
	goodJobs     float64       // share of jobs started in the hold answered within the SLO
	idleRefusals float64       // share of refusals made while a worker was idle and none waited
	// share of refusals followed, within one service time, by a moment
	// with a worker idle: had the limit admitted the request, that worker
	// would have served it within the SLO (a limit too tight shows here
	// even when no refusal found a worker idle at the instant it was made)
	refusedThenIdle float64
	queueP99        time.Duration // wait for a worker of admitted requests
	sendLateP99     time.Duration // client lateness against the schedule
	slow            float64       // share of answered hold requests beyond the SLO
}

// capacity returns the capacity measured in the run: ovWorkers jobs per
// mean job time.
func (r httpResult) capacity() float64 {
	if r.svcMean <= 0 {
		return ovCapacity
	}
	return ovWorkers * float64(time.Second) / float64(r.svcMean)
}

// ovServer is the loopback server: a limiter over ovWorkers workers, with
// accounting of each job.
//
// With precise false a job is time.Sleep(ovService), as in the first
// version of this harness; a timer wakes late on a busy machine, by 0.2 ms
// when it is quiet to over 1 ms under load, so each job holds its worker
// longer than ovService and the server's real capacity is below
// ovCapacity. With precise true the workers keep deadlines instead: a job
// starts when both it has arrived and its worker finished the previous job
// (by the previous job's deadline, not by when the timer woke), and ends
// exactly ovService later, so a worker that woke late catches up on its
// next job and a busy server completes ovCapacity jobs a second, like a
// backend whose capacity does not depend on this machine's scheduler. The
// answer still leaves when the worker's goroutine wakes: the lateness is
// in the latencies, not in the capacity.
type ovServer struct {
	precise bool
	sleep   func(time.Duration) // time.Sleep; tests make it oversleep
	ep      endpoint.Endpoint   // the limiter over the workers
	workers chan *ovWorker
	stop    chan struct{}
	busy    atomic.Int32 // workers holding a job
	waiting atomic.Int32 // admitted requests waiting for a worker

	mu       sync.Mutex
	jobs     []ovJob
	refusals []ovRefusal
}

type ovWorker struct {
	free time.Time // deadline of its last job
}

type ovJob struct {
	id                 int64
	enter, start, done time.Time // handler entry; the work, from start to done
}

type ovRefusal struct {
	at   time.Time
	idle bool // a worker was idle and no admitted request waited
}

func newOvServer(mw endpoint.Middleware, precise bool) (*ovServer, http.Handler) {
	s := &ovServer{precise: precise, sleep: time.Sleep, workers: make(chan *ovWorker, ovWorkers), stop: make(chan struct{})}
	for range ovWorkers {
		s.workers <- &ovWorker{}
	}
	s.ep = mw(func(ctx context.Context, req any) (any, error) {
		enter := time.Now()
		s.waiting.Add(1)
		var w *ovWorker
		select {
		case w = <-s.workers: // wait for a worker, caller gone or not
		case <-s.stop:
			s.waiting.Add(-1)
			return nil, errStopped
		}
		s.waiting.Add(-1)
		s.busy.Add(1)
		var start, done time.Time
		if s.precise {
			start = enter
			if w.free.After(start) {
				start = w.free
			}
			done = start.Add(ovService)
			s.sleep(time.Until(done)) // the work
			w.free = done
		} else {
			start = time.Now()
			s.sleep(ovService) // the work
			done = time.Now()
		}
		s.busy.Add(-1)
		s.workers <- w
		s.mu.Lock()
		s.jobs = append(s.jobs, ovJob{id: req.(int64), enter: enter, start: start, done: done})
		s.mu.Unlock()
		return nil, nil
	})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, _ := strconv.ParseInt(r.URL.RawQuery, 10, 64)
		if _, err := s.ep(r.Context(), id); err != nil {
			code := http.StatusInternalServerError
			if errors.Is(err, ratelimit.ErrInFlight) {
				code = http.StatusServiceUnavailable
				idle := s.busy.Load() < ovWorkers && s.waiting.Load() == 0
				s.mu.Lock()
				s.refusals = append(s.refusals, ovRefusal{at: time.Now(), idle: idle})
				s.mu.Unlock()
			}
			w.WriteHeader(code)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	return s, h
}

// TestOvServerKeepsDeadlines checks, in virtual time, the claim of
// server=deadline: workers whose timer wakes late still complete ovCapacity
// jobs a second, where the time.Sleep server loses the lateness on every
// job. 40 requests arrive at once; every sleep oversleeps by 3 ms.
func TestOvServerKeepsDeadlines(t *testing.T) {
	for _, tc := range []struct {
		name    string
		precise bool
		want    time.Duration // until the last answer
	}{
		{"deadline", true, 10*ovService + 3*time.Millisecond},
		{"sleep", false, 10 * (ovService + 3*time.Millisecond)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s, _ := newOvServer(func(e endpoint.Endpoint) endpoint.Endpoint { return e }, tc.precise)
				s.sleep = func(d time.Duration) { time.Sleep(max(d, 0) + 3*time.Millisecond) }
				start := time.Now()
				var wg sync.WaitGroup
				for i := range 40 {
					wg.Go(func() { s.ep(context.Background(), int64(i)) })
					synctest.Wait() // queue in order
				}
				wg.Wait()
				if got := time.Since(start); got != tc.want {
					t.Errorf("last answer after %v, want %v", got, tc.want)
				}
				if len(s.jobs) != 40 {
					t.Fatalf("%d jobs recorded, want 40", len(s.jobs))
				}
				if tc.precise {
					for _, j := range s.jobs {
						if d := j.done.Sub(j.start); d != ovService {
							t.Errorf("job %d worked %v, want %v", j.id, d, ovService)
						}
						if want := start.Add(time.Duration(j.id/ovWorkers) * ovService); !j.start.Equal(want) {
							t.Errorf("job %d started at +%v, want +%v", j.id, j.start.Sub(start), want.Sub(start))
						}
					}
				}
			})
		})
	}
}

func overloadHTTP(c overloadContestant, precise bool) httpResult {
	if *ovRemote != "" {
		r, err := overloadRemote(c, precise, *ovRemote)
		if err != nil {
			panic(err) // the benchmark's own harness is broken: say so loudly
		}
		return r
	}
	s, h := newOvServer(c.make(), precise)
	srv := httptest.NewServer(h)
	defer srv.Close()
	defer close(s.stop) // runs first: queued handlers leave
	return overloadClient(srv.URL, func() ([]ovJob, []ovRefusal) {
		s.mu.Lock()
		defer s.mu.Unlock()
		return slices.Clone(s.jobs), slices.Clone(s.refusals)
	})
}

// overloadClient offers the scenario's load to the server at url and
// computes the result from the client's samples and the server's records,
// which it reads with records once every request was answered.
func overloadClient(url string, records func() ([]ovJob, []ovRefusal)) httpResult {
	srv := struct{ URL string }{url}
	tr := &http.Transport{MaxIdleConnsPerHost: 512}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}

	type sample struct {
		status   int // 0: no answer
		sched    time.Time
		start    time.Time
		latency  time.Duration
		measured bool
	}
	var (
		mu      sync.Mutex
		samples = map[int64]sample{}
		wg      sync.WaitGroup
	)
	send := func(id int64, sched time.Time, measured bool) {
		defer wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), httpGiveUp)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/?"+strconv.FormatInt(id, 10), nil)
		start := time.Now()
		smp := sample{sched: sched, start: start, measured: measured}
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			smp.status = resp.StatusCode
		}
		smp.latency = time.Since(start)
		mu.Lock()
		samples[id] = smp
		mu.Unlock()
	}
	// Open loop: request i leaves at its scheduled instant, or at once if
	// the client fell behind.
	begin := time.Now()
	at := time.Duration(0)
	for id := int64(1); at < httpWarm+httpHold; id++ {
		rate := ovCapacity / 2
		if at >= httpWarm {
			rate = 3 * ovCapacity
		}
		sched := begin.Add(at)
		time.Sleep(time.Until(sched))
		wg.Add(1)
		go send(id, sched, at >= httpWarm)
		at += time.Duration(float64(time.Second) / rate)
	}
	wg.Wait()

	var r httpResult
	var refused, answered, slow, n int
	var accepted, late []time.Duration
	for _, smp := range samples {
		if !smp.measured {
			continue
		}
		n++
		late = append(late, smp.start.Sub(smp.sched))
		switch smp.status {
		case http.StatusOK:
			answered++
			accepted = append(accepted, smp.latency)
			if smp.latency > ovSLO {
				slow++
			}
		case http.StatusServiceUnavailable:
			refused++
		}
	}
	if n > 0 {
		r.rejected = float64(refused) / float64(n)
	}
	if answered > 0 {
		r.slow = float64(slow) / float64(answered)
	}
	r.p99 = p99(accepted)
	r.sendLateP99 = p99(late)

	holdFrom, holdTo := begin.Add(httpWarm), begin.Add(httpWarm+httpHold)
	var busy, svc time.Duration
	var jobs, goodJobs int
	var queue []time.Duration
	allJobs, allRefusals := records()
	for _, j := range allJobs {
		busy += overlap(j.start, j.done, holdFrom, holdTo)
		if j.start.Before(holdFrom) || !j.start.Before(holdTo) {
			continue
		}
		jobs++
		svc += j.done.Sub(j.start)
		queue = append(queue, j.start.Sub(j.enter))
		if smp := samples[j.id]; smp.status == http.StatusOK && smp.latency <= ovSLO {
			goodJobs++
		}
	}
	r.busy = float64(busy) / float64(ovWorkers*httpHold)
	if jobs > 0 {
		r.svcMean = svc / time.Duration(jobs)
		r.goodJobs = float64(goodJobs) / float64(jobs)
	}
	r.goodput = float64(goodJobs) / httpHold.Seconds()
	r.queueP99 = p99(queue)
	var inHold, idle, thenIdle int
	gaps := idleIntervals(allJobs, ovWorkers)
	for _, f := range allRefusals {
		if f.at.Before(holdFrom) || !f.at.Before(holdTo) {
			continue
		}
		inHold++
		if f.idle {
			idle++
		}
		if idleWithin(gaps, f.at, f.at.Add(ovService)) {
			thenIdle++
		}
	}
	if inHold > 0 {
		r.idleRefusals = float64(idle) / float64(inHold)
		r.refusedThenIdle = float64(thenIdle) / float64(inHold)
	}
	return r
}

// idleIntervals returns the intervals, from the first job's arrival to
// the last one's end, during which fewer than workers jobs were running
// and no admitted job waited for a worker (so a worker had nothing to do;
// the hand-off from a finishing job to a waiting one is not such a gap),
// sorted and disjoint.
func idleIntervals(jobs []ovJob, workers int) [][2]time.Time {
	type event struct {
		at            time.Time
		busy, waiting int
	}
	var evs []event
	for _, j := range jobs {
		evs = append(evs, event{j.enter, 0, 1}, event{j.start, 1, -1}, event{j.done, -1, 0})
	}
	slices.SortFunc(evs, func(a, b event) int { return a.at.Compare(b.at) })
	var gaps [][2]time.Time
	busy, waiting := 0, 0
	var from time.Time
	for i := 0; i < len(evs); {
		at := evs[i].at
		for ; i < len(evs) && evs[i].at.Equal(at); i++ { // an instant's events at once
			busy += evs[i].busy
			waiting += evs[i].waiting
		}
		idle := busy < workers && waiting == 0
		switch {
		case idle && from.IsZero():
			from = at
		case !idle && !from.IsZero():
			gaps = append(gaps, [2]time.Time{from, at})
			from = time.Time{}
		}
	}
	if !from.IsZero() && evs[len(evs)-1].at.After(from) {
		gaps = append(gaps, [2]time.Time{from, evs[len(evs)-1].at})
	}
	return gaps
}

// idleWithin reports whether any of the sorted, disjoint gaps overlaps
// [from, to).
func idleWithin(gaps [][2]time.Time, from, to time.Time) bool {
	i, _ := slices.BinarySearchFunc(gaps, from, func(g [2]time.Time, t time.Time) int {
		if !g[1].After(t) {
			return -1 // ends at or before from
		}
		return 1
	})
	return i < len(gaps) && gaps[i][0].Before(to)
}

// overlap returns how much of [from, to) lies within [lo, hi).
func overlap(from, to, lo, hi time.Time) time.Duration {
	if from.Before(lo) {
		from = lo
	}
	if to.After(hi) {
		to = hi
	}
	return max(0, to.Sub(from))
}

func p99(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	return d[(len(d)*99)/100]
}
