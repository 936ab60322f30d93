package addsvc_test

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// TestChaos runs kit's whole client stack against real faults between real
// processes: three addsvc instances, found through DNS SRV records served
// on loopback (the test changes them as instances come and go), under a
// steady open-loop load from addload (discovery → retry with a budget →
// hedging → p2c → breaker per instance, over HTTP). In turn it
//
//   - kills one instance with SIGKILL, then starts it again (discovery is
//     not told: a crash does not deregister);
//   - stalls one with SIGSTOP, then SIGCONT;
//   - makes one slow (200ms per call) through PUT /debug/fault, then not;
//   - rolls all three: each in turn leaves discovery, gets SIGTERM, drains,
//     exits, starts again on the same ports and rejoins discovery.
//
// It requires, from addload's per-second CSV:
//
//   - errors: 0 client-visible errors over the whole run (every call is an
//     idempotent Sum): guards retries around refused connections and open
//     breakers, attempt timeouts and hedging around a stalled instance,
//     and the Endpointer's handling of instances leaving;
//   - amplification: attempts/requests ≤ 1.2 over the run and over each
//     fault's window (its start to 2s after its end): guards the retry
//     and hedging budgets, and P2C's avoidance of failing instances (when a
//     fast failure counted as a fast answer, P2C sent most calls to the
//     dead instance and the retry budget ran out: see
//     TestP2CAvoidsFastFailures);
//   - recovery: of the two whole seconds starting 2s after a fault ended,
//     the better p99 is at most max(1.5 × baseline, 100ms), where baseline
//     is the median per-second p99 of the seconds before the first fault
//     (measured in the same run, so that a slow machine raises the bound
//     with it). The floor, and the better of two seconds rather than each:
//     the p99 of one second at 100 calls is its second-slowest call, and
//     on a 2-core machine running other tests single seconds show
//     scheduling spikes of 50-300ms in runs without any fault (a process
//     starting is enough), while a stack still in a fault's grip keeps
//     showing 200ms and more in every second (the slow fault adds 200ms, a
//     stalled instance holds a call for the 250ms attempt timeout): 100ms
//     is half the smallest fault. Guards that the stack forgets a fault: a
//     stalled instance's calls not left queued, a slow instance not kept
//     in rotation, a restarted or rolled instance not sent calls before it
//     serves.
//
// The short form (the default) takes about a minute: 43s of load at 100
// calls per second, faults of 3s. With KIT_CHAOS_LONG=1 it runs 120s with
// faults of 10s and three contestants side by side (roundrobin, p2c and
// p2c+hedge, each its own addload process at 100 calls per second against
// the same servers and faults, all with retries and breakers; the
// requirements hold for p2c+hedge, the stack addcli builds with -hedge)
// and writes the CSVs to docs/chaos/.
func TestChaos(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real processes for about a minute")
	}
	long := os.Getenv("KIT_CHAOS_LONG") == "1"
	sc := shortChaos
	if long {
		sc = longChaos
	}
	bins := buildCommands(t, "addsvc", "addload")
	addsvcBin, addloadBin := bins[0], bins[1]

	// Three instances on fixed free ports, so that a restart comes back
	// where discovery says it is.
	type instance struct {
		http, debug string
		proc        *addsvcProc
	}
	insts := make([]*instance, 3)
	startInst := func(in *instance) {
		in.proc = start(t, addsvcBin, "-http-addr", in.http, "-debug-addr", in.debug, "-shutdown-timeout", "5s")
	}
	for i := range insts {
		insts[i] = &instance{http: freeAddr(t), debug: freeAddr(t)}
		startInst(insts[i])
	}
	const srvName = "_http._tcp.addsvc.test."
	dnsSrv := newSRVServer(t, srvName)
	all := func() []string {
		var out []string
		for _, in := range insts {
			out = append(out, in.http)
		}
		return out
	}
	dnsSrv.set(all()...)

	// The load: one addload per contestant.
	outDir := t.TempDir()
	loads := make([]*loadProc, len(sc.contestants))
	for i, c := range sc.contestants {
		args := []string{"-transport", "http", "-dnssrv", srvName, "-dnssrv.server", dnsSrv.addr,
			"-dnssrv.interval", sc.dnsInterval.String(), "-retry.attempt-timeout", "250ms", "-timeout", "2s",
			"-rate", strconv.Itoa(sc.rate), "-duration", sc.duration.String(), "-log.level", "info",
			"-series", c.series, "-out", filepath.Join(outDir, c.series)}
		loads[i] = startLoad(t, addloadBin, append(args, c.flags...)...)
	}
	t0 := loads[0].started // the reference clock of the fault windows
	at := func(d time.Duration) {
		time.Sleep(time.Until(t0.Add(d))) // the scenario's schedule, not a synchronisation
	}
	since := func() float64 { return time.Since(t0).Seconds() }
	var faults []fault

	// kill -9, then start again.
	at(sc.baseline)
	f := fault{label: "kill -9", start: since()}
	victim := insts[0]
	if err := victim.proc.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	victim.proc.wait(t)
	at(sc.baseline + sc.fault)
	startInst(victim)
	f.end = since()
	faults = append(faults, f)

	// SIGSTOP, then SIGCONT.
	at(sc.baseline + sc.fault + sc.gap)
	f = fault{label: "SIGSTOP", start: since()}
	victim = insts[1]
	if err := victim.proc.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	at(sc.baseline + 2*sc.fault + sc.gap)
	if err := victim.proc.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	f.end = since()
	faults = append(faults, f)

	// Slow through the fault flags.
	at(sc.baseline + 2*sc.fault + 2*sc.gap)
	f = fault{label: "slow 200ms", start: since()}
	victim = insts[2]
	if code, body := do(t, http.MethodPut, "http://"+victim.debug+"/debug/fault", `{"latency":"200ms"}`); code != http.StatusOK {
		t.Fatalf("PUT /debug/fault latency: %d %s", code, body)
	}
	at(sc.baseline + 3*sc.fault + 2*sc.gap)
	if code, body := do(t, http.MethodPut, "http://"+victim.debug+"/debug/fault", `{}`); code != http.StatusOK {
		t.Fatalf("PUT /debug/fault {}: %d %s", code, body)
	}
	f.end = since()
	faults = append(faults, f)

	// Roll: each instance leaves discovery, drains on SIGTERM, starts
	// again and rejoins.
	at(sc.baseline + 3*sc.fault + 3*sc.gap)
	f = fault{label: "roll", start: since()}
	for i, in := range insts {
		var others []string
		for j, o := range insts {
			if j != i {
				others = append(others, o.http)
			}
		}
		dnsSrv.set(others...)
		time.Sleep(2 * sc.dnsInterval) // two lookups: the clients have let it go
		if err := in.proc.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		if state := in.proc.wait(t); !state.Success() {
			t.Errorf("addsvc %d after SIGTERM: %v, want exit 0\n%s", i, state, lastLines(in.proc.log(), 20))
		}
		startInst(in)
		dnsSrv.set(all()...)
		time.Sleep(sc.dnsInterval) // one lookup: the clients have it back
	}
	f.end = since()
	faults = append(faults, f)
	if f.end+4 > sc.duration.Seconds() {
		t.Fatalf("the roll ended at %.1fs: the load (%v) ends before its recovery can be seen", f.end, sc.duration)
	}

	// The load ends on its own; then the files.
	summaries := map[string]string{}
	for i, l := range loads {
		summaries[sc.contestants[i].series] = l.wait(t)
	}
	rows, shares := mergeCSV(t, outDir, sc.contestants)
	dest := filepath.Join(outDir, "chaos")
	if long {
		dest = filepath.Join("..", "..", "docs", "chaos", "chaos")
		if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, dest+".csv", rows)
	writeFile(t, dest+"-share.csv", shares)
	var fb strings.Builder
	fb.WriteString("start_s,end_s,label\n")
	for _, f := range faults {
		fmt.Fprintf(&fb, "%.1f,%.1f,%s\n", f.start, f.end, f.label)
	}
	writeFile(t, dest+"-faults.csv", fb.String())
	for _, c := range sc.contestants {
		t.Logf("%s", summaries[c.series])
	}
	for _, f := range faults {
		t.Logf("fault %-10s %5.1fs .. %5.1fs", f.label, f.start, f.end)
	}

	// The requirements, on the full stack's series.
	secs := parseSeries(t, rows, "p2c+hedge")
	check := checkChaos(secs, faults, sc.baseline)
	for _, line := range check.report {
		t.Log(line)
	}
	for _, e := range check.failures {
		t.Error(e)
	}
	if t.Failed() {
		t.Logf("p2c+hedge per second:\n%s", strings.Join(slices.DeleteFunc(strings.Split(rows, "\n"), func(l string) bool {
			return !strings.Contains(l, ",p2c+hedge,")
		}), "\n"))
		t.Logf("addload p2c+hedge stderr (last lines):\n%s", lastLines(loads[len(loads)-1].log(), 20))
	}
}

// chaosSchedule is one form of the chaos run.
type chaosSchedule struct {
	rate                 int           // calls per second, per contestant
	baseline, fault, gap time.Duration // before the first fault; each fault; between faults
	duration             time.Duration // of the load
	dnsInterval          time.Duration
	contestants          []contestant
}

// contestant is one addload: its series name and the flags that make it.
type contestant struct {
	series string
	flags  []string
}

var fullStack = contestant{"p2c+hedge", []string{"-balancer", "p2c", "-hedge"}}

var (
	// 8s baseline, 4 faults of 3s each 5s apart (the 2s to recover and 2
	// whole seconds checked fit in between), the roll about 3s: about 43s
	// of load.
	shortChaos = chaosSchedule{
		rate: 100, baseline: 8 * time.Second, fault: 3 * time.Second, gap: 5 * time.Second,
		duration: 43 * time.Second, dnsInterval: 250 * time.Millisecond,
		contestants: []contestant{fullStack},
	}
	longChaos = chaosSchedule{
		rate: 100, baseline: 15 * time.Second, fault: 10 * time.Second, gap: 15 * time.Second,
		duration: 120 * time.Second, dnsInterval: 250 * time.Millisecond,
		contestants: []contestant{
			{"roundrobin", []string{"-balancer", "roundrobin"}},
			{"p2c", []string{"-balancer", "p2c"}},
			fullStack, // last: its stderr is shown on failure
		},
	}
)

// fault is one fault's window, in seconds since the load started.
type fault struct {
	label      string
	start, end float64
}

// secRow is one second of a series.
type secRow struct {
	requests, errors, attempts int
	p50, p99, p999             float64
}

// chaosResult is what checkChaos found: the failures, and a report of the
// figures checked.
type chaosResult struct {
	failures, report []string
}

// checkChaos checks the requirements of TestChaos on one series' seconds.
func checkChaos(secs []secRow, faults []fault, baseline time.Duration) chaosResult {
	var r chaosResult
	failf := func(format string, args ...any) { r.failures = append(r.failures, fmt.Sprintf(format, args...)) }
	amp := func(from, to int) (int, int, float64) {
		var req, att int
		for s := max(from, 0); s < min(to, len(secs)); s++ {
			req += secs[s].requests
			att += secs[s].attempts
		}
		if req == 0 {
			return 0, 0, 0
		}
		return req, att, float64(att) / float64(req)
	}

	// Errors, and amplification over the run.
	var errs int
	for s, row := range secs {
		if row.errors > 0 {
			failf("second %d: %d errors of %d calls, want 0", s, row.errors, row.requests)
		}
		errs += row.errors
	}
	req, att, a := amp(0, len(secs))
	r.report = append(r.report, fmt.Sprintf("run: %d calls, %d errors, %d attempts, amplification %.3f", req, errs, att, a))
	if a > 1.2 {
		failf("amplification over the run = %.3f (%d attempts / %d calls), want ≤ 1.2", a, att, req)
	}

	// The baseline: the median per-second p99 of the seconds before the
	// first fault, but the first (connections being opened).
	var before []float64
	for s := 1; s < int(baseline/time.Second) && s < len(secs); s++ {
		before = append(before, secs[s].p99)
	}
	slices.Sort(before)
	base := 0.0
	if len(before) > 0 {
		base = before[len(before)/2]
	}
	bound := max(1.5*base, 100)
	r.report = append(r.report, fmt.Sprintf("baseline p99 %.2fms (the median per-second p99 of seconds 1..%d); recovery bound %.2fms", base, int(baseline/time.Second)-1, bound))

	for i, f := range faults {
		from, to := int(f.start), int(math.Ceil(f.end+2))
		_, _, a := amp(from, to)
		worst := 0.0
		for s := from; s < min(to, len(secs)); s++ {
			worst = max(worst, secs[s].p99)
		}
		first := int(math.Ceil(f.end + 2)) // the first whole second from 2s after the end
		if i+1 < len(faults) && float64(first+2) > faults[i+1].start {
			failf("%s: the seconds checked for recovery, %d..%d, overlap the next fault (%.1fs): the schedule is too tight", f.label, first, first+1, faults[i+1].start)
		}
		var after []float64
		for s := first; s < first+2 && s < len(secs); s++ {
			after = append(after, secs[s].p99)
		}
		r.report = append(r.report, fmt.Sprintf("%-10s amplification %.3f, worst p99 %.2fms, p99 of seconds %d..%d: %v", f.label, a, worst, first, first+1, after))
		if a > 1.2 {
			failf("%s: amplification from %ds to %ds = %.3f, want ≤ 1.2", f.label, from, to, a)
		}
		if len(after) < 2 {
			failf("%s: the load ended before seconds %d..%d after the fault", f.label, first, first+1)
		}
		if len(after) == 2 {
			if better := min(after[0], after[1]); better > bound {
				failf("%s (ended at %.1fs): p99 of seconds %d and %d = %.2fms and %.2fms, want the better ≤ %.2fms (1.5 × baseline %.2fms, at least 100ms)", f.label, f.end, first, first+1, after[0], after[1], bound, base)
			}
		}
	}
	return r
}

// wait waits for p to exit, at most 15s, and returns its state.
func (p *addsvcProc) wait(t *testing.T) *os.ProcessState {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		t.Fatalf("addsvc still running 15s after the signal:\n%s", lastLines(p.log(), 20))
	}
	_ = p.cmd.Wait() // its state is what counts, not the error
	return p.cmd.ProcessState
}

// freeAddr returns a loopback address free at the time of the call.
func freeAddr(t *testing.T) string { return deadAddr(t) }

// srvServer serves SRV records for one name on loopback UDP; set changes
// them.
type srvServer struct {
	addr   string
	mu     sync.Mutex // guards answer
	answer []dns.RR
	name   string
}

func newSRVServer(t *testing.T, name string) *srvServer {
	t.Helper()
	s := &srvServer{name: name}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = pc.LocalAddr().String()
	started := make(chan struct{})
	srv := &dns.Server{PacketConn: pc, NotifyStartedFunc: func() { close(started) },
		Handler: dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
			m := new(dns.Msg)
			m.SetReply(r)
			m.Authoritative = true
			if q := r.Question[0]; q.Name != name {
				m.Rcode = dns.RcodeNameError
			} else if q.Qtype == dns.TypeSRV {
				s.mu.Lock()
				m.Answer = s.answer
				s.mu.Unlock()
			}
			_ = w.WriteMsg(m)
		})}
	served := make(chan struct{})
	go func() { defer close(served); _ = srv.ActivateAndServe() }()
	<-started
	t.Cleanup(func() { _ = srv.Shutdown(); <-served })
	return s
}

// set makes targets (host:port each) the answer from now on, named
// localhost: Go's resolver refuses an address as an SRV target.
func (s *srvServer) set(targets ...string) {
	var answer []dns.RR
	for _, tg := range targets {
		_, port, _ := net.SplitHostPort(tg)
		host := "localhost"
		p, _ := strconv.ParseUint(port, 10, 16)
		answer = append(answer, &dns.SRV{
			Hdr:    dns.RR_Header{Name: s.name, Rrtype: dns.TypeSRV, Class: dns.ClassINET},
			Target: dns.Fqdn(host), Port: uint16(p), Priority: 10, Weight: 10,
		})
	}
	s.mu.Lock()
	s.answer = answer
	s.mu.Unlock()
}

// loadProc is a running addload.
type loadProc struct {
	cmd     *exec.Cmd
	started time.Time // when it logged that the load started
	stdout  strings.Builder
	done    chan struct{} // closed when stderr is drained
	mu      sync.Mutex
	lines   []string // its stderr
}

// startLoad runs addload with args and returns once its load has started.
func startLoad(t *testing.T, bin string, args ...string) *loadProc {
	t.Helper()
	l := &loadProc{done: make(chan struct{})}
	l.cmd = exec.Command(bin, args...)
	l.cmd.Stdout = &l.stdout
	stderr, err := l.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := l.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if l.cmd.ProcessState == nil {
			_ = l.cmd.Process.Kill()
			<-l.done
			_ = l.cmd.Wait()
		}
	})
	started := make(chan time.Time, 1)
	go func() {
		defer close(l.done)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			if strings.Contains(line, "msg=started") {
				started <- time.Now()
			}
			l.mu.Lock()
			l.lines = append(l.lines, line)
			l.mu.Unlock()
		}
	}()
	select {
	case l.started = <-started:
	case <-l.done:
		_ = l.cmd.Wait()
		t.Fatalf("addload exited before its load started:\n%s", l.log())
	case <-time.After(30 * time.Second):
		t.Fatalf("addload's load not started after 30s:\n%s", l.log())
	}
	return l
}

func (l *loadProc) log() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// wait waits for addload to end (bounded by its duration plus a minute)
// and returns its summary line. Its exit status says whether calls
// failed; checkChaos reports those from the CSV, by second.
func (l *loadProc) wait(t *testing.T) string {
	t.Helper()
	select {
	case <-l.done:
	case <-time.After(3 * time.Minute):
		t.Fatalf("addload still running after 3 minutes:\n%s", lastLines(l.log(), 20))
	}
	_ = l.cmd.Wait()
	return strings.TrimSpace(l.stdout.String())
}

// mergeCSV joins the contestants' files into one series file and one
// share file, each with one header.
func mergeCSV(t *testing.T, dir string, cs []contestant) (rows, shares string) {
	t.Helper()
	var rb, sb strings.Builder
	for i, c := range cs {
		for _, x := range []struct {
			suffix string
			b      *strings.Builder
		}{{".csv", &rb}, {"-share.csv", &sb}} {
			data, err := os.ReadFile(filepath.Join(dir, c.series+x.suffix))
			if err != nil {
				t.Fatal(err)
			}
			s := string(data)
			if i > 0 {
				_, s, _ = strings.Cut(s, "\n") // one header
			}
			x.b.WriteString(s)
		}
	}
	return rb.String(), sb.String()
}

// parseSeries returns the rows of series in a series CSV, by second,
// checking the header.
func parseSeries(t *testing.T, data, series string) []secRow {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"t_s", "series", "requests", "errors", "attempts", "p50_ms", "p99_ms", "p999_ms"}; len(recs) == 0 || !slices.Equal(recs[0], want) {
		t.Fatalf("CSV header = %v, want %v", recs[:min(1, len(recs))], want)
	}
	var out []secRow
	for _, rec := range recs[1:] {
		if rec[1] != series {
			continue
		}
		n := func(i int) float64 {
			v, err := strconv.ParseFloat(rec[i], 64)
			if err != nil {
				t.Fatalf("CSV row %v, column %d: %v", rec, i, err)
			}
			return v
		}
		if s := int(n(0)); s != len(out) {
			t.Fatalf("CSV row %v: second %d, want %d", rec, s, len(out))
		}
		out = append(out, secRow{requests: int(n(2)), errors: int(n(3)), attempts: int(n(4)), p50: n(5), p99: n(6), p999: n(7)})
	}
	if len(out) == 0 {
		t.Fatalf("no rows of series %q", series)
	}
	return out
}

func writeFile(t *testing.T, name, data string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestCheckChaos checks TestChaos's requirements on made-up seconds: a
// run that recovers passes; errors, amplification and a p99 that stays up
// after a fault each fail.
func TestCheckChaos(t *testing.T) {
	run := func(edit func(secs []secRow)) []secRow {
		secs := make([]secRow, 20)
		for i := range secs {
			secs[i] = secRow{requests: 100, attempts: 101, p50: 2, p99: 20, p999: 30}
		}
		if edit != nil {
			edit(secs)
		}
		return secs
	}
	faults := []fault{{label: "stall", start: 5, end: 8}, {label: "slow", start: 13, end: 14.5}}
	// Baseline p99 20ms: the bound is the 100ms floor.
	for _, tc := range []struct {
		name  string
		secs  []secRow
		fails int
	}{
		{"recovered", run(func(s []secRow) { s[6].p99, s[10].p99 = 300, 250 }), 0}, // one spiky second after is forgiven
		{"errors", run(func(s []secRow) { s[7].errors = 1 }), 1},
		{"amplification", run(func(s []secRow) { s[6].attempts, s[7].attempts = 200, 200 }), 1},
		{"p99 still up", run(func(s []secRow) { s[10].p99, s[11].p99 = 210, 120 }), 1},
		{"load ended early", run(func(s []secRow) {})[:17], 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := checkChaos(tc.secs, faults, 5*time.Second)
			if len(r.failures) != tc.fails {
				t.Errorf("checkChaos: %d failures %q, want %d\nreport: %q", len(r.failures), r.failures, tc.fails, r.report)
			}
		})
	}
}
