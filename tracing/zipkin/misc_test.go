package zipkin_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	stdlog "log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/openzipkin/zipkin-go"
	reporterhttp "github.com/openzipkin/zipkin-go/reporter/http"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/log"
	kitzipkin "github.com/endpointkit/kit/tracing/zipkin"
)

func nop(context.Context, any) (any, error) { return nil, nil }

func TestNilTracerReturnsEndpoint(t *testing.T) {
	var ep endpoint.Endpoint = nop
	if got := kitzipkin.TraceEndpoint(nil, "x")(ep); reflect.ValueOf(got).Pointer() != reflect.ValueOf(ep).Pointer() {
		t.Errorf("TraceEndpoint(nil, ...)(ep) is not ep")
	}
	if n := testing.AllocsPerRun(100, func() { _ = kitzipkin.TraceEndpoint(nil, "x")(ep) }); n != 0 {
		t.Errorf("TraceEndpoint(nil, ...): %v allocs, want 0", n)
	}
}

// TestAllocsSampled: a traced call allocates at most one more than
// zipkin-go's own span started and finished by hand with the same tag.
func TestAllocsSampled(t *testing.T) {
	tracer, _ := memoryTracer(t)
	testAllocs(t, tracer)
}

// TestAllocsSampledOut: the same with nothing sampled.
func TestAllocsSampledOut(t *testing.T) {
	tracer, _ := memoryTracer(t, zipkin.WithSampler(zipkin.NeverSample))
	testAllocs(t, tracer)
}

func testAllocs(t *testing.T, tracer *zipkin.Tracer) {
	t.Helper()
	ctx := context.Background()
	traced := kitzipkin.TraceEndpoint(tracer, "x")(nop)
	hand := func() {
		span, sctx := tracer.StartSpanFromContext(ctx, "x")
		_, _ = nop(sctx, nil)
		span.Tag(kitzipkin.TagOutcome, endpoint.Success.String())
		span.Finish()
	}
	want := testing.AllocsPerRun(200, hand)
	if got := testing.AllocsPerRun(200, func() { _, _ = traced(ctx, nil) }); got > want+1 {
		t.Errorf("TraceEndpoint: %v allocs/call, want <= %v (zipkin-go's own span + 1)", got, want+1)
	}
}

// TestCollectorDownBoundedMemory: with nothing listening where the
// reporter sends, 10,000 requests are all served, and zipkin-go's HTTP
// reporter keeps at most its backlog (here 500 spans), dropping the oldest.
func TestCollectorDownBoundedMemory(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	// The reporter logs every failed send; those lines are not under test.
	rep := reporterhttp.NewReporter("http://"+addr+"/api/v2/spans", reporterhttp.MaxBacklog(500),
		reporterhttp.Logger(stdlog.New(io.Discard, "", 0)))
	// Close reports the last failed send: expected here.
	defer func() { _ = rep.Close() }()
	tracer, err := zipkin.NewTracer(rep)
	if err != nil {
		t.Fatal(err)
	}
	h := tracedHandler(tracer)
	serve := func(n int) (bad int) {
		for range n {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/x", nil))
			if w.Code != http.StatusOK {
				bad++
			}
		}
		return bad
	}
	serve(200)
	before := heapAlloc()
	const n = 10000
	if bad := serve(n); bad != 0 {
		t.Errorf("%d of %d requests failed with the collector down, want 0", bad, n)
	}
	grown := int64(heapAlloc()) - int64(before)
	t.Logf("heap grew %d bytes over %d requests with the collector down", grown, n)
	if limit := int64(4 << 20); grown > limit {
		t.Errorf("heap grew %d bytes, want < %d (spans kept without bound?)", grown, limit)
	}
}

func heapAlloc() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func TestLogCorrelation(t *testing.T) {
	tracer, _ := memoryTracer(t, zipkin.WithTraceID128Bit(true))
	span, ctx := tracer.StartSpanFromContext(context.Background(), "op")
	defer span.Finish()
	sc := span.Context()
	want := "trace_id=" + sc.TraceID.String() + " span_id=" + sc.ID.String()
	if len(sc.TraceID.String()) != 32 {
		t.Fatalf("trace id %q, want 32 hex digits", sc.TraceID)
	}

	var buf bytes.Buffer
	_ = kitzipkin.ContextLogger(ctx, log.NewLogfmtLogger(&buf)).Log("msg", "charged")
	if got := buf.String(); !strings.Contains(got, want) {
		t.Errorf("kit log line %q, want it to contain %q", got, want)
	}
	buf.Reset()
	slog.New(kitzipkin.SlogHandler(slog.NewJSONHandler(&buf, nil))).InfoContext(ctx, "charged")
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatal(err)
	}
	if line["trace_id"] != sc.TraceID.String() || line["span_id"] != sc.ID.String() {
		t.Errorf("slog line %v, want trace_id %s span_id %s", line, sc.TraceID, sc.ID)
	}
	if kv := kitzipkin.LogKeyvals(context.Background()); kv != nil {
		t.Errorf("LogKeyvals without a span = %v, want nil", kv)
	}
}
