package addsvc_test

import (
	"bufio"
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

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

// build compiles the example's commands into a temp dir.
func build(t *testing.T) (addsvc, addcli string) {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found; cannot build the example")
	}
	dir := t.TempDir()
	// One go build for both, so that they compile and link in parallel.
	out, err := exec.Command(goBin, "build", "-o", dir+string(filepath.Separator), "./cmd/addsvc", "./cmd/addcli").CombinedOutput()
	if err != nil {
		t.Fatalf("go build ./cmd/...: %v\n%s", err, out)
	}
	return filepath.Join(dir, "addsvc"), filepath.Join(dir, "addcli")
}

// start runs addsvc on free loopback ports and waits until it serves.
func start(t *testing.T, bin string) *addsvcProc {
	t.Helper()
	p := &addsvcProc{addrs: map[string]string{}, done: make(chan struct{})}
	p.cmd = exec.Command(bin, "-debug-addr", "127.0.0.1:0", "-http-addr", "127.0.0.1:0",
		"-grpc-addr", "127.0.0.1:0", "-jsonrpc-addr", "127.0.0.1:0", "-shutdown-timeout", "10s")
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
// every transport with addcli, curl and grpcurl, then stops it with SIGTERM
// under load and checks that no request it accepted failed.
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
		for _, transport := range []string{"http", "jsonrpc", "grpc"} {
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
			{"http unknown path", "http://" + p.addr("http") + "/mul", `{}`, `404`, false},
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
	clients := map[string]addservice.Service{"http": httpSet, "jsonrpc": rpcSet, "grpc": addtransport.NewGRPCClient(conn)}

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

func lastLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
