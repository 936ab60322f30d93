package transport_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/log"
	"github.com/endpointkit/kit/log/level"
	"github.com/endpointkit/kit/transport"
)

// statusErr is an error with an HTTP status, as transports' errors are.
type statusErr int

func (e statusErr) Error() string   { return fmt.Sprintf("status %d", int(e)) }
func (e statusErr) StatusCode() int { return int(e) }

// panicErr is an error reporting a recovered panic, as kit's servers'
// PanicErrors are.
type panicErr struct{ v any }

func (e panicErr) Error() string      { return fmt.Sprintf("panic: %v", e.v) }
func (e panicErr) PanicStack() []byte { return []byte("goroutine 1 [running]") }

// logLine runs h on err with ctx and returns the JSON line it wrote.
func logLine(t *testing.T, ctx context.Context, err error, options ...transport.LogErrorHandlerOption) map[string]any {
	t.Helper()
	var buf bytes.Buffer
	transport.NewLogErrorHandler(log.NewJSONLogger(&buf), options...).Handle(ctx, err)
	var m map[string]any
	if e := json.Unmarshal(buf.Bytes(), &m); e != nil {
		t.Fatalf("line %q: %v", buf.String(), e)
	}
	return m
}

func TestLogErrorHandlerLevels(t *testing.T) {
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		name         string
		ctx          context.Context
		err          error
		level, kind  string
		msg          string
		wantStack    bool
		wantErrValue string
	}{
		{"bad request", context.Background(), statusErr(400), "warn", "caller_error", "request rejected", false, "status 400"},
		{"not found", context.Background(), statusErr(404), "warn", "caller_error", "request rejected", false, "status 404"},
		{"caller gone", canceled, errors.New("write: broken pipe"), "warn", "caller_error", "request rejected", false, "write: broken pipe"},
		{"limited", context.Background(), statusErr(429), "warn", "overloaded", "request shed", false, "status 429"},
		{"5xx", context.Background(), statusErr(503), "error", "dependency_failure", "request failed", false, "status 503"},
		{"plain error", context.Background(), errors.New("boom"), "error", "dependency_failure", "request failed", false, "boom"},
		{"panic", context.Background(), panicErr{"the devil"}, "error", "dependency_failure", "request failed", true, "panic: the devil"},
	} {
		m := logLine(t, tc.ctx, tc.err)
		if m["level"] != tc.level || m["outcome"] != tc.kind || m["msg"] != tc.msg || m["err"] != tc.wantErrValue {
			t.Errorf("%s: logged %v; want level=%s outcome=%s msg=%q err=%q", tc.name, m, tc.level, tc.kind, tc.msg, tc.wantErrValue)
		}
		if _, ok := m["stack"]; ok != tc.wantStack {
			t.Errorf("%s: stack logged = %v, want %v", tc.name, ok, tc.wantStack)
		}
	}
}

func TestLogErrorHandlerNamesTheCall(t *testing.T) {
	ctx := transport.WithCall(context.Background(), &transport.Call{
		Transport: "http", Route: "POST /sum", Peer: "127.0.0.1:5555", Status: 400,
	})
	var buf bytes.Buffer
	transport.NewLogErrorHandler(log.NewLogfmtLogger(&buf)).Handle(ctx, statusErr(400))
	want := `level=warn transport=http route="POST /sum" status=400 peer=127.0.0.1:5555 outcome=caller_error msg="request rejected" err="status 400"` + "\n"
	if buf.String() != want {
		t.Errorf("line:\n got %q\nwant %q", buf.String(), want)
	}

	// A gRPC code is logged by its name.
	ctx = transport.WithCall(context.Background(), &transport.Call{Transport: "grpc", Route: "/pkg.Svc/M", Status: 3, StatusName: "InvalidArgument"})
	if m := logLine(t, ctx, statusErr(400)); m["status"] != "InvalidArgument" || m["route"] != "/pkg.Svc/M" {
		t.Errorf("gRPC call logged as %v", m)
	}
}

func TestLogErrorHandlerFilteredByLevel(t *testing.T) {
	// A filter allowing error only drops the caller's errors and keeps the
	// service's own failures: what alerting on error lines needs.
	var buf bytes.Buffer
	h := transport.NewLogErrorHandler(level.NewFilter(log.NewLogfmtLogger(&buf), level.AllowError()))
	h.Handle(context.Background(), statusErr(400))
	if buf.Len() != 0 {
		t.Errorf("a 400 passed an error-only filter: %q", buf.String())
	}
	h.Handle(context.Background(), statusErr(500))
	if !strings.Contains(buf.String(), "level=error") {
		t.Errorf("a 500 did not pass an error-only filter: %q", buf.String())
	}
}

func TestLogErrorHandlerClassifier(t *testing.T) {
	// A user's Classifier decides the level, as it decides for breakers.
	all := func(context.Context, any, error) endpoint.Outcome {
		return endpoint.Outcome{Kind: endpoint.CallerError}
	}
	if m := logLine(t, context.Background(), statusErr(500), transport.LogErrorHandlerClassifier(all)); m["level"] != "warn" {
		t.Errorf("with a Classifier calling everything a caller error, a 500 logged at %v", m["level"])
	}
}

func TestCall(t *testing.T) {
	if _, ok := transport.CallFromContext(context.Background()); ok {
		t.Error("CallFromContext found a Call in an empty context")
	}
	c := &transport.Call{Transport: "http", Status: 404}
	got, ok := transport.CallFromContext(transport.WithCall(context.Background(), c))
	if !ok || got != c {
		t.Errorf("CallFromContext = %v, %v; want the Call put in", got, ok)
	}
	for _, tc := range []struct {
		c    transport.Call
		want string
	}{{transport.Call{Status: 404}, "404"}, {transport.Call{Status: 5, StatusName: "NotFound"}, "NotFound"}, {transport.Call{}, ""}} {
		if got := tc.c.StatusText(); got != tc.want {
			t.Errorf("%+v.StatusText() = %q, want %q", tc.c, got, tc.want)
		}
	}
}

func TestErrorHandlerFunc(t *testing.T) {
	var got error
	var h transport.ErrorHandler = transport.ErrorHandlerFunc(func(_ context.Context, err error) { got = err })
	boom := errors.New("boom")
	h.Handle(context.Background(), boom)
	if got != boom {
		t.Errorf("ErrorHandlerFunc passed %v, want %v", got, boom)
	}
}
