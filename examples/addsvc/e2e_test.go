package addsvc_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/endpointkit/kit/examples/addsvc/pkg/addservice"
	"github.com/endpointkit/kit/examples/addsvc/pkg/addtransport"
	"github.com/endpointkit/kit/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// addsvcProc is a running addsvc binary.
type addsvcProc struct {
	cmd   *exec.Cmd
	addrs map[string]string // transport -> address
	calls atomic.Int64      // endpoint calls it logged
	done  chan struct{}     // closed when stderr is drained
	mu    sync.Mutex
	lines []string // every stderr line, for failure messages
}

var (
	addrLine = regexp.MustCompile(`transport=(\w+) addr=(\S+)`)
	callLine = regexp.MustCompile(` method=(sum|concat) `)
)

// build compiles addsvc and addcli into a temp dir.
func build(t *testing.T) (addsvc, addcli string) {
	t.Helper()
	bins := buildCommands(t, "addsvc", "addcli")
	return bins[0], bins[1]
}

// buildCommands compiles the example's commands named (./cmd/<name>) into a
// temp dir and returns their paths, in order. One go build for all, so that
// they compile and link in parallel.
func buildCommands(t *testing.T, names ...string) []string {
	t.Helper()
	goBin := testenv.LookPath(t, "go")
	dir := t.TempDir()
	args := []string{"build", "-o", dir + string(filepath.Separator)}
	bins := make([]string, len(names))
	for i, name := range names {
		args = append(args, "./cmd/"+name)
		bins[i] = filepath.Join(dir, name)
	}
	out, err := exec.Command(goBin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("go build ./cmd/...: %v\n%s", err, out)
	}
	return bins
}

// start runs addsvc on free loopback ports, with extra flags, and waits
// until it serves.
func start(t *testing.T, bin string, extra ...string) *addsvcProc {
	t.Helper()
	p := &addsvcProc{addrs: map[string]string{}, done: make(chan struct{})}
	args := []string{"-debug-addr", "127.0.0.1:0", "-http-addr", "127.0.0.1:0",
		"-grpc-addr", "127.0.0.1:0", "-jsonrpc-addr", "127.0.0.1:0", "-thrift-addr", "127.0.0.1:0",
		"-shutdown-timeout", "10s"}
	p.cmd = exec.Command(bin, append(args, extra...)...)
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan struct{})
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(stderr)
		readyOnce := sync.OnceFunc(func() { close(ready) })
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.lines = append(p.lines, line)
			if m := addrLine.FindStringSubmatch(line); m != nil {
				p.addrs[m[1]] = m[2]
			}
			p.mu.Unlock()
			if callLine.MatchString(line) {
				p.calls.Add(1)
			}
			if strings.Contains(line, "msg=serving") {
				readyOnce()
			}
		}
	}()
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			_ = p.cmd.Process.Kill()
			_ = p.cmd.Wait()
		}
	})
	select {
	case <-ready:
	case <-p.done:
		t.Fatalf("addsvc exited before serving:\n%s", p.log())
	case <-time.After(30 * time.Second):
		t.Fatalf("addsvc not serving after 30s:\n%s", p.log())
	}
	return p
}

func (p *addsvcProc) addr(transport string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.addrs[transport]
}

func (p *addsvcProc) log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.lines, "\n")
}

// run runs a command and returns its trimmed stdout and exit code.
func run(t *testing.T, name string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(name, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("%s %v: %v", name, args, err)
	}
	return strings.TrimSpace(string(out) + stderr.String()), cmd.ProcessState.ExitCode()
}

// TestEndToEnd builds and starts the real addsvc, calls every method over
// every transport with addcli, curl and grpcurl, checks its /metrics, runs
// addcli over two instances and a rate-limited addsvc, then stops the first
// with SIGTERM under load and checks that no request it accepted failed.
func TestEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs binaries; skipped in -short mode")
	}
	curl := testenv.LookPath(t, "curl")
	grpcurl := testenv.LookPath(t, "grpcurl")
	addsvcBin, addcli := build(t)
	p := start(t, addsvcBin)
	var answered atomic.Int64 // calls that reached the endpoint and were answered

	t.Run("addcli", func(t *testing.T) {
		for _, transport := range []string{"http", "jsonrpc", "grpc", "thrift"} {
			for _, tc := range []struct {
				method, a, b string
				want         string
				wantCode     int
			}{
				{"sum", "20", "22", "42", 0},
				{"sum", "9223372036854775807", "1", "integer overflow", 2},
				{"concat", "ab", "cd", "abcd", 0},
				{"concat", strings.Repeat("x", 1024), "y", "maximum size", 2},
			} {
				out, code := run(t, addcli, "-transport", transport, "-addr", p.addr(transport), "-method", tc.method, tc.a, tc.b)
				if code != tc.wantCode || !strings.Contains(out, tc.want) {
					t.Errorf("addcli -transport %s -method %s: exit %d %q, want %d %q", transport, tc.method, code, out, tc.wantCode, tc.want)
				} else {
					answered.Add(1)
				}
			}
		}
	})

	t.Run("curl", func(t *testing.T) {
		for _, tc := range []struct {
			name, url, body, want string
			call                  bool // reaches an endpoint
		}{
			{"http sum", "http://" + p.addr("http") + "/sum", `{"a":1,"b":2}`, `200 {"v":3}`, true},
			{"http concat", "http://" + p.addr("http") + "/concat", `{"a":"x","b":"y"}`, `200 {"v":"xy"}`, true},
			{"http overflow", "http://" + p.addr("http") + "/sum", `{"a":9223372036854775807,"b":1}`, `200 {"v":0,"err":"integer overflow"}`, true},
			{"http malformed", "http://" + p.addr("http") + "/sum", `{"a":`, `400 {"error":`, false},
			{"http unknown path", "http://" + p.addr("http") + "/mul", `{}`, `404 {"error":"not found"}`, false},
			{"jsonrpc sum", "http://" + p.addr("jsonrpc"), `{"jsonrpc":"2.0","method":"sum","params":{"a":1,"b":2},"id":1}`, `200 {"jsonrpc":"2.0","result":{"v":3},"id":1}`, true},
			{"jsonrpc concat", "http://" + p.addr("jsonrpc"), `{"jsonrpc":"2.0","method":"concat","params":{"a":"x","b":"y"},"id":"c"}`, `200 {"jsonrpc":"2.0","result":{"v":"xy"},"id":"c"}`, true},
			{"jsonrpc unknown method", "http://" + p.addr("jsonrpc"), `{"jsonrpc":"2.0","method":"mul","id":1}`, `404 {"jsonrpc":"2.0","error":{"code":-32601`, false},
		} {
			out, code := run(t, curl, "-sS", "-H", "Content-Type: application/json", "-d", tc.body, "-o", "-", "-w", "%{http_code}", tc.url)
			// -w prints the status after the body; put it first.
			if len(out) >= 3 {
				out = out[len(out)-3:] + " " + strings.TrimSpace(out[:len(out)-3])
			}
			if code != 0 || !strings.HasPrefix(out, tc.want) {
				t.Errorf("curl %s: exit %d %q, want %q", tc.name, code, out, tc.want)
			} else if tc.call {
				answered.Add(1)
			}
		}
		if out, code := run(t, curl, "-sS", "http://"+p.addr("debug")+"/healthz"); code != 0 || out != "ok" {
			t.Errorf("curl /healthz: exit %d %q, want ok", code, out)
		}
	})

	t.Run("grpcurl", func(t *testing.T) {
		g := p.addr("grpc")
		if out, code := run(t, grpcurl, "-plaintext", g, "list"); code != 0 || !strings.Contains(out, "addsvc.Add") || !strings.Contains(out, "grpc.health.v1.Health") {
			t.Errorf("grpcurl list: exit %d %q, want addsvc.Add and grpc.health.v1.Health (reflection)", code, out)
		}
		if out, code := run(t, grpcurl, "-plaintext", g, "grpc.health.v1.Health/Check"); code != 0 || !strings.Contains(out, "SERVING") {
			t.Errorf("grpcurl health check: exit %d %q, want SERVING", code, out)
		}
		for _, tc := range []struct{ method, body, want string }{
			{"addsvc.Add/Sum", `{"a":1,"b":2}`, `"v": "3"`},
			{"addsvc.Add/Concat", `{"a":"x","b":"y"}`, `"v": "xy"`},
			{"addsvc.Add/Sum", `{"a":"9223372036854775807","b":1}`, `"err": "integer overflow"`},
		} {
			if out, code := run(t, grpcurl, "-plaintext", "-d", tc.body, g, tc.method); code != 0 || !strings.Contains(out, tc.want) {
				t.Errorf("grpcurl %s %s: exit %d %q, want %q", tc.method, tc.body, code, out, tc.want)
			} else {
				answered.Add(1)
			}
		}
		if out, code := run(t, grpcurl, "-plaintext", "-d", `{"a":"one"}`, g, "addsvc.Add/Sum"); code == 0 {
			t.Errorf("grpcurl with a bad message: exit 0 %q, want an error", out)
		}
	})

	t.Run("metrics", func(t *testing.T) {
		// The calls above reached p's endpoints over every transport.
		body := get(t, "http://"+p.addr("debug")+"/metrics")
		for _, method := range []string{"sum", "concat"} {
			if n := metricValue(body, `addsvc_requests_total{method="`+method+`",success="true"}`); n < 3 {
				t.Errorf("/metrics: addsvc_requests_total for %s = %v, want at least 3 (one per transport)\n%s", method, n, body)
			}
			if n := metricValue(body, `addsvc_request_duration_seconds_count{method="`+method+`",success="true"}`); n < 3 {
				t.Errorf("/metrics: addsvc_request_duration_seconds_count for %s = %v, want at least 3", method, n)
			}
		}
	})

	t.Run("two instances", func(t *testing.T) {
		testTwoInstances(t, addsvcBin, addcli)
	})

	t.Run("rate limited", func(t *testing.T) {
		testRateLimited(t, addsvcBin, curl)
	})

	t.Run("sigterm under load", func(t *testing.T) {
		loadUntilSIGTERM(t, p, &answered)
	})
}

// loadUntilSIGTERM calls Sum over every transport from several goroutines,
// sends SIGTERM once calls are flowing, and keeps calling until addsvc has
// exited. Calls refused because the server was stopping are fine; a call
// the service ran must have been answered correctly, which the test checks
// by comparing what addsvc logged with what the clients received.
func loadUntilSIGTERM(t *testing.T, p *addsvcProc, answered *atomic.Int64) {
	httpSet, err := addtransport.NewHTTPClient(p.addr("http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	rpcSet, err := addtransport.NewJSONRPCClient(p.addr("jsonrpc"), nil)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := grpc.NewClient(p.addr("grpc"), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// Thrift calls go over a pool of persistent connections.
	thriftSet, thriftPool := addtransport.NewThriftClient(p.addr("thrift"))
	defer thriftPool.Close()
	clients := map[string]addservice.Service{"http": httpSet, "jsonrpc": rpcSet, "grpc": addtransport.NewGRPCClient(conn), "thrift": thriftSet}

	exited := make(chan struct{})
	var wrong atomic.Int64
	var refused sync.Map // transport -> last refusal error
	var wg sync.WaitGroup
	var flowing atomic.Int64
	for name, svc := range clients {
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; ; i++ {
					select {
					case <-exited:
						return
					default:
					}
					ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
					v, err := svc.Sum(ctx, w*1_000_000+i, 1)
					cancel()
					switch {
					case err != nil:
						refused.Store(name, err)
						// Not accepted (connection refused, closed, or
						// Unavailable): back off a little and try again
						// until the process has exited.
						time.Sleep(time.Millisecond)
					case v != w*1_000_000+i+1:
						wrong.Add(1)
					default:
						answered.Add(1)
						flowing.Add(1)
					}
				}
			}()
		}
	}
	// SIGTERM once every transport has carried some load.
	deadline := time.Now().Add(20 * time.Second)
	for flowing.Load() < 300 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond) // polling a counter; there is no event to wait on
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitErr := make(chan error, 1)
	go func() { <-p.done; waitErr <- p.cmd.Wait() }()
	select {
	case err := <-waitErr:
		close(exited)
		if err != nil {
			t.Errorf("addsvc after SIGTERM: %v, want exit status 0\n%s", err, p.log())
		}
	case <-time.After(30 * time.Second):
		close(exited)
		t.Fatalf("addsvc still running 30s after SIGTERM")
	}
	wg.Wait()

	if n := wrong.Load(); n > 0 {
		t.Errorf("%d calls returned a wrong sum", n)
	}
	if got, want := answered.Load(), p.calls.Load(); got != want {
		refused.Range(func(k, v any) bool { t.Logf("%s: last refusal: %v", k, v); return true })
		t.Errorf("clients received %d answers, addsvc ran %d calls: %d accepted calls failed", got, want, want-got)
	}
	if !strings.Contains(p.log(), `msg=stopped reason="received signal terminated"`) {
		t.Errorf("addsvc log lacks the stop message:\n%s", lastLines(p.log(), 10))
	}
	t.Logf("%d calls answered in all; addsvc logged %d", answered.Load(), p.calls.Load())
}

// testTwoInstances starts two addsvc and has addcli balance calls over both
// with -instances, over every transport; each instance must get calls.
// With one instance gone, the retries must still answer every call.
func testTwoInstances(t *testing.T, addsvcBin, addcli string) {
	a, b := start(t, addsvcBin), start(t, addsvcBin)
	for _, transport := range []string{"http", "jsonrpc", "grpc", "thrift"} {
		for _, balancer := range []string{"p2c", "roundrobin"} {
			beforeA, beforeB := a.calls.Load(), b.calls.Load()
			out, code := run(t, addcli, "-transport", transport, "-balancer", balancer, "-n", "10",
				"-instances", a.addr(transport)+","+b.addr(transport), "-method", "sum", "1", "2")
			if code != 0 || out != strings.TrimSpace(strings.Repeat("3\n", 10)) {
				t.Errorf("addcli -transport %s -balancer %s -n 10 over two instances: exit %d %q, want ten 3s", transport, balancer, code, out)
				continue
			}
			// Each instance logs a call before it answers it, and addcli
			// has its answers: the log lines are in, or on their way.
			waitFor(t, func() bool { return a.calls.Load()+b.calls.Load() == beforeA+beforeB+10 })
			if da, db := a.calls.Load()-beforeA, b.calls.Load()-beforeB; da == 0 || db == 0 {
				t.Errorf("addcli -transport %s -balancer %s: instances got %d and %d calls, want both some", transport, balancer, da, db)
			}
		}
	}
	// The same two, found through DNS SRV records served on loopback.
	name := "_http._tcp.addsvc.test."
	// SRV targets are host names (Go's resolver refuses IP addresses there),
	// so the records name localhost, where both instances listen.
	onLocalhost := func(addr string) string {
		_, port, _ := net.SplitHostPort(addr)
		return net.JoinHostPort("localhost", port)
	}
	dnsAddr := serveSRV(t, name, onLocalhost(a.addr("http")), onLocalhost(b.addr("http")))
	beforeA, beforeB := a.calls.Load(), b.calls.Load()
	out, code := run(t, addcli, "-dnssrv", name, "-dnssrv.server", dnsAddr, "-n", "10", "-method", "sum", "1", "2")
	if code != 0 || out != strings.TrimSpace(strings.Repeat("3\n", 10)) {
		t.Errorf("addcli -dnssrv: exit %d %q, want ten 3s", code, out)
	} else {
		waitFor(t, func() bool { return a.calls.Load()+b.calls.Load() == beforeA+beforeB+10 })
		if da, db := a.calls.Load()-beforeA, b.calls.Load()-beforeB; da == 0 || db == 0 {
			t.Errorf("addcli -dnssrv: instances got %d and %d calls, want both some", da, db)
		}
	}

	// An instance that refuses connections: every call is still answered,
	// by the retry's second attempt on the live one.
	dead := deadAddr(t)
	out, code = run(t, addcli, "-transport", "grpc", "-n", "10", "-instances", dead+","+a.addr("grpc"), "-method", "concat", "a", "b")
	if code != 0 || out != strings.TrimSpace(strings.Repeat("ab\n", 10)) {
		t.Errorf("addcli over a dead and a live instance: exit %d %q, want ten ab", code, out)
	}
	// Only the dead one: retries, then a clear failure, exit 1.
	out, code = run(t, addcli, "-transport", "http", "-addr", dead, "-retry.max", "2", "1", "2")
	if code != 1 || !strings.Contains(out, "2 attempt(s) failed") {
		t.Errorf("addcli -addr <dead>: exit %d %q, want 1 and both attempts reported", code, out)
	}
	// The client-side rate limit refuses the second of two quick calls.
	out, code = run(t, addcli, "-addr", a.addr("http"), "-ratelimit", "0.1", "-n", "2", "1", "2")
	if code != 1 || !strings.Contains(out, "ratelimit: limit exceeded") {
		t.Errorf("addcli -ratelimit 0.1 -n 2: exit %d %q, want one answer then the limit", code, out)
	}
}

// testRateLimited starts addsvc with a rate limit of 2 calls per endpoint
// and no refill to speak of, sends a burst over every transport, and checks
// the refusals: 429 over HTTP and JSON-RPC, ResourceExhausted over gRPC,
// counted as failures in /metrics.
func testRateLimited(t *testing.T, addsvcBin, curl string) {
	p := start(t, addsvcBin, "-ratelimit", "0.01", "-ratelimit.burst", "2", "-maxinflight", "8")
	var statuses []string
	for range 4 {
		out, _ := run(t, curl, "-sS", "-H", "Content-Type: application/json", "-d", `{"a":1,"b":2}`,
			"-o", "/dev/null", "-w", "%{http_code}", "http://"+p.addr("http")+"/sum")
		statuses = append(statuses, out)
	}
	if got := strings.Join(statuses, " "); got != "200 200 429 429" {
		t.Errorf("HTTP /sum burst of 4 at burst 2: statuses %s, want 200 200 429 429", got)
	}
	// Sum's tokens are spent, whatever the transport.
	out, _ := run(t, curl, "-sS", "-H", "Content-Type: application/json", "-d", `{"jsonrpc":"2.0","method":"sum","params":{"a":1,"b":2},"id":1}`,
		"-o", "-", "-w", " %{http_code}", "http://"+p.addr("jsonrpc"))
	if !strings.HasSuffix(out, " 429") || !strings.Contains(out, `"code":-32029`) {
		t.Errorf("JSON-RPC sum after the burst: %q, want 429 and code -32029", out)
	}
	conn, err := grpc.NewClient(p.addr("grpc"), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	svc := addtransport.NewGRPCClient(conn)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := svc.Sum(ctx, 1, 2); status.Code(err) != codes.ResourceExhausted {
		t.Errorf("gRPC Sum after the burst: err = %v, want ResourceExhausted", err)
	}
	// Concat has limiters of its own: two calls pass, the third does not.
	var codesSeen []string
	for range 3 {
		_, err := svc.Concat(ctx, "a", "b")
		codesSeen = append(codesSeen, status.Code(err).String())
	}
	if got := strings.Join(codesSeen, " "); got != "OK OK ResourceExhausted" {
		t.Errorf("gRPC Concat burst of 3: %s, want OK OK ResourceExhausted", got)
	}
	body := get(t, "http://"+p.addr("debug")+"/metrics")
	for _, tc := range []struct {
		series string
		want   float64
	}{
		{`addsvc_requests_total{method="sum",success="true"}`, 2},
		{`addsvc_requests_total{method="sum",success="false"}`, 4},
		{`addsvc_requests_total{method="concat",success="true"}`, 2},
		{`addsvc_requests_total{method="concat",success="false"}`, 1},
		{`addsvc_in_flight{method="sum"}`, 0}, // -maxinflight's gauge, back to 0
	} {
		if got := metricValue(body, tc.series); got != tc.want {
			t.Errorf("/metrics: %s = %v, want %v", tc.series, got, tc.want)
		}
	}
}

// serveSRV serves, on a loopback UDP port, SRV records for name pointing at
// targets (host:port each), until the test ends; it returns the address.
func serveSRV(t *testing.T, name string, targets ...string) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var answer []dns.RR
	for _, tg := range targets {
		host, port, err := net.SplitHostPort(tg)
		if err != nil {
			t.Fatal(err)
		}
		p, err := strconv.ParseUint(port, 10, 16)
		if err != nil {
			t.Fatal(err)
		}
		answer = append(answer, &dns.SRV{
			Hdr:    dns.RR_Header{Name: name, Rrtype: dns.TypeSRV, Class: dns.ClassINET},
			Target: dns.Fqdn(host), Port: uint16(p), Priority: 10, Weight: 10,
		})
	}
	started := make(chan struct{})
	srv := &dns.Server{PacketConn: pc, NotifyStartedFunc: func() { close(started) },
		Handler: dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
			m := new(dns.Msg)
			m.SetReply(r)
			m.Authoritative = true
			if q := r.Question[0]; q.Name != name {
				m.Rcode = dns.RcodeNameError
			} else if q.Qtype == dns.TypeSRV {
				m.Answer = answer
			}
			_ = w.WriteMsg(m)
		})}
	served := make(chan struct{})
	go func() { defer close(served); _ = srv.ActivateAndServe() }()
	<-started
	t.Cleanup(func() { _ = srv.Shutdown(); <-served })
	return pc.LocalAddr().String()
}

// get returns the body of a GET to url, failing t on any error or a
// status other than 200.
func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d, %v\n%s", url, resp.StatusCode, err, b)
	}
	return string(b)
}

// metricValue returns the value of series in a Prometheus text exposition,
// or -1 when it is not there.
func metricValue(body, series string) float64 {
	for line := range strings.Lines(body) {
		if rest, ok := strings.CutPrefix(line, series+" "); ok {
			v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			if err == nil {
				return v
			}
		}
	}
	return -1
}

// waitFor polls cond for up to 10s; it is for conditions that hold once
// output already sent by a process has been read.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatal("condition not met after 10s")
		}
		time.Sleep(5 * time.Millisecond) // polling a counter fed by a pipe reader
	}
}

// deadAddr returns a loopback address where nothing listens.
func deadAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

func lastLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
