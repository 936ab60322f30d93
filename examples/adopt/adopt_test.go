package adopt_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/endpointkit/kit/internal/testenv"
)

// binDir holds the commands built for the tests; TestMain removes it.
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "kit-adopt-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	// goleak's Cleanup replaces its os.Exit: it must exit itself.
	testenv.Main(m, goleak.Cleanup(func(code int) {
		os.RemoveAll(dir)
		os.Exit(code)
	}))
}

var (
	buildOnce sync.Once
	buildErr  error
)

// build compiles cmd/inventory and cmd/stock once for all the tests and
// returns the path of inventory; stock is beside it (buildCmd).
func build(t *testing.T) string {
	t.Helper()
	return buildCmd(t, "inventory")
}

// buildCmd returns the path of ./cmd/name, built once for all the tests.
func buildCmd(t *testing.T, name string) string {
	t.Helper()
	goBin := testenv.LookPath(t, "go")
	buildOnce.Do(func() {
		out, err := exec.Command(goBin, "build", "-o", binDir+string(filepath.Separator), "./cmd/inventory", "./cmd/stock").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build ./cmd/inventory ./cmd/stock: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return filepath.Join(binDir, name)
}

// inventory is a running inventory process.
type inventory struct {
	t                 *testing.T
	cmd               *exec.Cmd
	http, grpc, debug string        // listen addresses
	done              chan struct{} // closed when its stderr is drained
	mu                sync.Mutex
	lines             []string // guarded by mu: every stderr line, for failure messages
}

var servingLine = regexp.MustCompile(`msg=serving http=(\S+) grpc=(\S+) debug=(\S+)`)

// start runs the inventory binary on free loopback ports with extra flags
// and returns once it serves. It is killed when the test ends.
func start(t *testing.T, bin string, extra ...string) *inventory {
	t.Helper()
	p := &inventory{t: t, done: make(chan struct{})}
	args := append([]string{"-http-addr", "127.0.0.1:0", "-grpc-addr", "127.0.0.1:0", "-debug-addr", "127.0.0.1:0"}, extra...)
	p.cmd = exec.Command(bin, args...)
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
		readyOnce := sync.OnceFunc(func() { close(ready) })
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.lines = append(p.lines, line)
			if m := servingLine.FindStringSubmatch(line); m != nil {
				p.http, p.grpc, p.debug = m[1], m[2], m[3]
				readyOnce()
			}
			p.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			t.Logf("inventory %v output:\n%s", extra, p.log())
		}
	})
	select {
	case <-ready:
	case <-p.done:
		t.Fatalf("inventory exited before serving:\n%s", p.log())
	case <-time.After(30 * time.Second):
		t.Fatalf("inventory not serving after 30s:\n%s", p.log())
	}
	return p // the addresses were set before ready was closed
}

// kill kills the process (SIGKILL: no graceful shutdown) and waits for it.
func (p *inventory) kill() {
	if p.cmd.ProcessState == nil {
		_ = p.cmd.Process.Kill()
		<-p.done
		_ = p.cmd.Wait()
	}
}

func (p *inventory) log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.lines, "\n")
}

// configureStore makes the store down or up, slow or fast.
func (p *inventory) configureStore(down bool, latency time.Duration) {
	p.t.Helper()
	status, body := do(p.t, context.Background(), http.MethodPut, "http://"+p.debug+"/debug/store",
		fmt.Sprintf(`{"down":%t,"latency":%q}`, down, latency))
	if status != http.StatusNoContent {
		p.t.Fatalf("PUT /debug/store: %d %s, want 204", status, body)
	}
}

// do sends one request and returns the status and body; a transport error
// fails the test.
func do(t *testing.T, ctx context.Context, method, url, body string) (int, string) {
	t.Helper()
	status, b, err := try(ctx, method, url, body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	return status, b
}

func try(ctx context.Context, method, url, body string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(b)), err
}

// metric reads one unlabelled sample from the process's /metrics.
func (p *inventory) metric(name string) (float64, error) {
	_, body, err := try(context.Background(), http.MethodGet, "http://"+p.debug+"/metrics", "")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(body, "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			var f float64
			_, err := fmt.Sscan(v, &f)
			return f, err
		}
	}
	return 0, fmt.Errorf("no sample %s in /metrics", name)
}

// errorBody returns the "error" of a JSON error body, or the body itself.
func errorBody(body string) string {
	var e struct{ Error string }
	if json.Unmarshal([]byte(body), &e) == nil && e.Error != "" {
		return e.Error
	}
	return body
}
