package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/endpointkit/kit/log"
	"github.com/endpointkit/kit/transport"
	kithttp "github.com/endpointkit/kit/transport/http"
)

// syncBuffer is a bytes.Buffer safe for a server goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// lines returns the JSON lines written so far.
func (s *syncBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(s.b.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

// TestErrorLinesNameTheCall checks that each error line of the Server names
// the transport, the route, the status sent and the peer, and that a
// caller's bad request is logged below error level while the service's own
// failure is at error.
func TestErrorLinesNameTheCall(t *testing.T) {
	var buf syncBuffer
	logged := make(chan struct{}, 1)
	h := kithttp.LogErrorHandler(log.NewJSONLogger(&buf))
	srv := newSumServer(t, kithttp.ServerErrorHandler(kithttp.ErrorHandlerFunc(func(ctx context.Context, err error) {
		h.Handle(ctx, err)
		logged <- struct{}{}
	})))
	for _, tc := range []struct {
		body, level, outcome string
		status               float64
	}{
		{`{"a":`, "warn", "caller_error", 400},
		{`{"a":418}`, "warn", "caller_error", 418},
		{`{"a":500}`, "error", "dependency_failure", 500},
	} {
		resp, err := srv.Client().Post(srv.URL+"/sum", "application/json", strings.NewReader(tc.body))
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		<-logged
		lines := buf.lines(t)
		if len(lines) == 0 {
			t.Fatalf("%s: nothing logged", tc.body)
		}
		m := lines[len(lines)-1]
		if m["transport"] != "http" || m["route"] != "POST /sum" || m["status"] != tc.status ||
			!strings.HasPrefix(m["peer"].(string), "127.0.0.1:") || m["level"] != tc.level || m["outcome"] != tc.outcome {
			t.Errorf("%s: logged %v; want transport=http route=\"POST /sum\" status=%v peer=127.0.0.1:* level=%s outcome=%s",
				tc.body, m, tc.status, tc.level, tc.outcome)
		}
	}
}

// TestErrorHandlerSeesStatusSent checks that the Call reports the status a
// custom ErrorEncoder wrote, not the one DefaultErrorEncoder would have.
func TestErrorHandlerSeesStatusSent(t *testing.T) {
	calls := make(chan transport.Call, 1)
	srv := newSumServer(t,
		kithttp.ServerErrorEncoder(func(_ context.Context, _ error, w http.ResponseWriter) { w.WriteHeader(http.StatusConflict) }),
		kithttp.ServerErrorHandler(kithttp.ErrorHandlerFunc(func(ctx context.Context, _ error) {
			c, _ := transport.CallFromContext(ctx)
			calls <- *c
		})))
	resp, err := srv.Client().Post(srv.URL+"/sum", "application/json", strings.NewReader(`{"a":500}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if c := <-calls; c.Status != http.StatusConflict || resp.StatusCode != http.StatusConflict {
		t.Errorf("Call.Status = %d, client saw %d; want 409 for both", c.Status, resp.StatusCode)
	}
}

// TestPanicValueReachesLogsNotClients checks that a recovered panic's value
// is hidden from the client only: kit's JSON logger and slog's JSON handler
// both show it (PanicError used to marshal itself as a generic message).
func TestPanicValueReachesLogsNotClients(t *testing.T) {
	var buf syncBuffer
	handled := make(chan error, 1)
	srv := newSumServer(t, kithttp.ServerErrorHandler(kithttp.ErrorHandlerFunc(func(ctx context.Context, err error) {
		kithttp.LogErrorHandler(log.NewJSONLogger(&buf)).Handle(ctx, err)
		handled <- err
	})))
	resp, err := srv.Client().Post(srv.URL+"/sum", "application/json", strings.NewReader(`{"a":666}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 500 || strings.TrimSpace(string(body)) != `{"error":"internal server error"}` {
		t.Errorf("client got %d %s; want 500 with a generic message", resp.StatusCode, body)
	}
	perr := <-handled
	lines := buf.lines(t)
	if len(lines) != 1 || !strings.Contains(lines[0]["err"].(string), "the devil") || lines[0]["stack"] == nil || lines[0]["level"] != "error" {
		t.Errorf("kit JSON log of the panic = %v; want the panic value, the stack, level error", lines)
	}
	var sb bytes.Buffer
	slog.New(slog.NewJSONHandler(&sb, nil)).Error("request failed", "err", perr)
	if !strings.Contains(sb.String(), "the devil") {
		t.Errorf("slog JSON of the panic = %s; want the panic value", sb.String())
	}
}

// The Server's ErrorHandler types are transport's, so one handler value
// serves every transport.
var (
	_ kithttp.ErrorHandler     = transport.NewLogErrorHandler(log.NewNopLogger())
	_ transport.ErrorHandler   = kithttp.LogErrorHandler(log.NewNopLogger())
	_ kithttp.ErrorHandlerFunc = transport.ErrorHandlerFunc(nil)
)
