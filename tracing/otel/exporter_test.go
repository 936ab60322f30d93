package otel_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// stuckExporter blocks every export until released: an exporter whose
// backend stopped answering.
type stuckExporter struct {
	release  chan struct{}
	exported atomic.Int64
}

func (e *stuckExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	select {
	case <-e.release:
	case <-ctx.Done():
		return ctx.Err()
	}
	e.exported.Add(int64(len(spans)))
	return nil
}

func (e *stuckExporter) Shutdown(context.Context) error { return nil }

// serveMany serves n requests through a traced kit HTTP Server and returns
// how many were not answered 200.
func serveMany(tp trace.TracerProvider, n int) int {
	var seen context.Context
	h := tracedHandler(tp, &seen)
	bad := 0
	for range n {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/x", nil))
		if w.Code != http.StatusOK {
			bad++
		}
	}
	return bad
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestExporterStuckBoundedMemory: with an exporter that never returns,
// 10,000 requests are all served, and the SDK's batch processor keeps at
// most its queue (here 256 spans) and drops the rest instead of queueing
// them: the heap does not grow with the number of spans.
func TestExporterStuckBoundedMemory(t *testing.T) {
	exp := &stuckExporter{release: make(chan struct{})}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp,
		sdktrace.WithMaxQueueSize(256), sdktrace.WithMaxExportBatchSize(64)))
	defer func() {
		close(exp.release)
		_ = tp.Shutdown(context.Background())
	}()
	_ = serveMany(tp, 200) // warm up pools and the processor's buffers
	before := heapInUse()
	const n = 10000
	if bad := serveMany(tp, n); bad != 0 {
		t.Errorf("%d of %d requests failed with the exporter stuck, want 0", bad, n)
	}
	// Two spans per request; queued without bound they would hold
	// megabytes (a recorded span with its attributes is over 1 KiB).
	grown := int64(heapInUse()) - int64(before)
	t.Logf("heap grew %d bytes over %d requests with the exporter stuck", grown, n)
	if limit := int64(2 << 20); grown > limit {
		t.Errorf("heap grew %d bytes over %d requests with the exporter stuck, want < %d (spans queued without bound?)", grown, n, limit)
	}
	if got := exp.exported.Load(); got != 0 {
		t.Errorf("stuck exporter exported %d spans before release", got)
	}
}

// TestCollectorDownNoErrors: with nothing listening where the OTLP exporter
// sends, requests are served as usual.
func TestCollectorDownNoErrors(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	exp, err := otlptracehttp.New(context.Background(), otlptracehttp.WithEndpoint(addr),
		otlptracehttp.WithInsecure(), otlptracehttp.WithTimeout(200*time.Millisecond),
		otlptracehttp.WithRetry(otlptracehttp.RetryConfig{Enabled: false}))
	if err != nil {
		t.Fatal(err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp, sdktrace.WithBatchTimeout(200*time.Millisecond)))
	const n = 2000
	if bad := serveMany(tp, n); bad != 0 {
		t.Errorf("%d of %d requests failed with the collector down, want 0", bad, n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// The batch processor reports failed exports to OpenTelemetry's error
	// handler (a log line per batch), not to Shutdown.
	_ = tp.Shutdown(ctx)
}
