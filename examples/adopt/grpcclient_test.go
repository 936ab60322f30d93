package adopt_test

import (
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// TestGRPCClient checks step 6 with real processes: cmd/stock -grpc reaches
// three inventory instances through kit's discovery (transport/grpc's
// resolver, grpc's round_robin), and its client-side circuit breaker, a
// client interceptor, opens when every instance fails: its refusals stay
// in the caller, and the instances see no more calls.
func TestGRPCClient(t *testing.T) {
	bin := build(t)
	stock := buildCmd(t, "stock")
	instances := []*inventory{start(t, bin), start(t, bin), start(t, bin)}
	addrs := make([]string, len(instances))
	for i, p := range instances {
		addrs[i] = p.grpc
	}

	out, err := exec.Command(stock, "-grpc", "-addr", strings.Join(addrs, ","), "-n", "300", "apple").Output()
	if err != nil || strings.Count(string(out), "apple 12\n") != 300 {
		t.Fatalf("stock -grpc -n 300 apple over three instances: %v\n%s", err, out)
	}
	ok := regexp.MustCompile(`msg="grpc call" method=/inventory\.Inventory/GetItem type=unary code=OK `)
	for i, p := range instances {
		if n := p.count(ok); n == 0 {
			t.Errorf("instance %d answered none of the 300 calls: round_robin over kit's discovery spreads them over all three", i)
		}
	}

	for _, p := range instances {
		p.configureStore(true, 0)
	}
	out, _ = exec.Command(stock, "-grpc", "-addr", strings.Join(addrs, ","), "-n", "30", "apple").Output()
	var failed, refused int
	for i, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		switch {
		case strings.Contains(line, "code = Unavailable desc = store unavailable") && refused == 0:
			failed++
		case line == "apple error: circuitbreaker: breaker is open":
			refused++
		default:
			t.Errorf("stock -grpc with every store down, line %d: %q, want Unavailable, then the breaker's refusals", i, line)
		}
	}
	if failed != 20 || refused != 10 {
		t.Errorf("stock -grpc -n 30 with every store down: %d Unavailable then %d refused, want 20 then 10 (the breaker's minimum is 20 calls)\n%s", failed, refused, out)
	}
	unavailable := regexp.MustCompile(`msg="grpc call" method=/inventory\.Inventory/GetItem type=unary code=Unavailable `)
	served := 0
	for _, p := range instances {
		served += p.count(unavailable)
	}
	if served != failed {
		t.Errorf("the instances answered %d calls Unavailable, want the %d the caller saw: the breaker's refusals must not reach them", served, failed)
	}
}

// count returns how many lines of the process's log match re.
func (p *inventory) count(re *regexp.Regexp) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, line := range p.lines {
		if re.MatchString(line) {
			n++
		}
	}
	return n
}
