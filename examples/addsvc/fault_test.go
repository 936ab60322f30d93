package addsvc_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/endpointkit/kit/examples/addsvc/pb"
)

// TestFaultInjection runs the real addsvc and makes it fail on purpose:
// from its -fault.* flags at start, then at run time over PUT /debug/fault,
// seeing every call fail with the chosen status on HTTP and gRPC; invalid
// settings are refused with 400 and the ones in force stay; {} turns the
// faults off and calls succeed again.
func TestFaultInjection(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs binaries; skipped in -short mode")
	}
	bin, _ := build(t)
	p := start(t, bin, "-fault.error-p", "1", "-fault.error-kind", "unavailable", "-fault.seed", "1")
	debug := "http://" + p.addr("debug") + "/debug/fault"

	conn, err := grpc.NewClient(p.addr("grpc"), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	grpcClient := pb.NewAddClient(conn)
	check := func(wantHTTP int, wantGRPC codes.Code) {
		t.Helper()
		for range 5 {
			if code, body := do(t, http.MethodPost, "http://"+p.addr("http")+"/sum", `{"a":1,"b":2}`); code != wantHTTP {
				t.Errorf("HTTP /sum: %d %s, want %d", code, body, wantHTTP)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_, err := grpcClient.Sum(ctx, &pb.SumRequest{A: 1, B: 2})
			cancel()
			if got := status.Code(err); got != wantGRPC {
				t.Errorf("gRPC Sum: %v (%v), want %v", got, err, wantGRPC)
			}
		}
	}

	// From the flags.
	check(http.StatusServiceUnavailable, codes.Unavailable)
	if code, body := do(t, http.MethodGet, debug, ""); code != 200 || !strings.Contains(body, `"error-p":1,"error-kind":"unavailable"`) {
		t.Errorf("GET /debug/fault: %d %s, want the flags' settings", code, body)
	}

	// Switched at run time.
	if code, body := do(t, http.MethodPut, debug, `{"error-p":1,"error-kind":"overloaded"}`); code != 200 {
		t.Fatalf("PUT /debug/fault: %d %s, want 200", code, body)
	}
	check(http.StatusTooManyRequests, codes.ResourceExhausted)

	// Invalid settings: refused, the ones in force stay.
	for _, bad := range []string{`{"error-p":2}`, `{"error-kind":"nope","error-p":1}`, `{"latency":"-1s"}`, `{"latency":"fast"}`, `{"unknown":1}`, `{`} {
		if code, body := do(t, http.MethodPut, debug, bad); code != http.StatusBadRequest {
			t.Errorf("PUT /debug/fault %s: %d %s, want 400", bad, code, body)
		}
	}
	check(http.StatusTooManyRequests, codes.ResourceExhausted)
	if code, body := do(t, http.MethodGet, debug, ""); code != 200 || !strings.Contains(body, `"error-kind":"overloaded"`) {
		t.Errorf("GET /debug/fault after invalid PUTs: %d %s, want overloaded still", code, body)
	}

	// Latency at run time: a call takes at least the delay.
	if code, body := do(t, http.MethodPut, debug, `{"latency":"300ms"}`); code != 200 {
		t.Fatalf("PUT latency: %d %s", code, body)
	}
	began := time.Now()
	check(http.StatusOK, codes.OK)
	if d := time.Since(began); d < 10*300*time.Millisecond {
		t.Errorf("10 calls with 300ms injected latency took %v, want at least 3s", d)
	}

	// Off.
	if code, body := do(t, http.MethodPut, debug, `{}`); code != 200 {
		t.Fatalf("PUT {}: %d %s", code, body)
	}
	check(http.StatusOK, codes.OK)
}

// do sends one request and returns the status and body.
func do(t *testing.T, method, url, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(b))
}
