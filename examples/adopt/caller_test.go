package adopt_test

import (
	"errors"
	"os/exec"
	"strings"
	"testing"
)

// TestStock runs the caller, cmd/stock, against a running inventory.
func TestStock(t *testing.T) {
	p := start(t, build(t))
	stock := buildCmd(t, "stock")

	out, err := exec.Command(stock, "-addr", p.http, "-n", "2", "apple", "plum").Output()
	if got, want := string(out), "apple 12\nplum 0\napple 12\nplum 0\n"; err != nil || got != want {
		t.Errorf("stock -n 2 apple plum: %q, %v; want %q and success", got, err, want)
	}

	for _, args := range [][]string{{"-addr", p.http}, {"-n", "0", "apple"}, {"-every", "-1s", "apple"}} {
		cmd := exec.Command(stock, args...)
		out, err := cmd.CombinedOutput()
		if code := cmd.ProcessState.ExitCode(); err == nil || code != 1 || !strings.HasPrefix(string(out), "stock: ") {
			t.Errorf("stock %v: exit %d, %q; want exit status 1 and an error", args, code, out)
		}
	}

	out, err = exec.Command(stock, "-addr", p.http, "no-such-sku").Output()
	var ee *exec.ExitError
	if got, want := string(out), "no-such-sku error: 404 Not Found: no such item\n"; got != want || !errors.As(err, &ee) || ee.ExitCode() != 1 ||
		!strings.Contains(string(ee.Stderr), "1 of 1 calls failed") {
		t.Errorf("stock no-such-sku: %q, %v; want %q and exit status 1", got, err, want)
	}
}
