package benchmarks

import (
	"context"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/endpointkit/kit/internal/otelcoltest"
)

// otlpProvider samples every span into the SDK's batch processor exporting
// over OTLP/HTTP to addr, with the exporter's defaults (10 s timeout,
// retries with backoff), as a service configured with an endpoint and
// nothing else would.
func otlpProvider(b *testing.B, addr string) *sdktrace.TracerProvider {
	exp, err := otlptracehttp.New(context.Background(), otlptracehttp.WithEndpoint(addr), otlptracehttp.WithInsecure())
	if err != nil {
		b.Fatal(err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp))
	b.Cleanup(func() {
		// With the collector down or silent the last export cannot finish;
		// give it a moment, not the exporter's retry schedule.
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = tp.Shutdown(ctx)
	})
	return tp
}

// refusedAddr is a loopback address where nothing listens: a collector that
// is down.
func refusedAddr(b *testing.B) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// silentAddr is a loopback server that accepts connections, reads what it
// is sent and never answers: a collector that hangs.
func silentAddr(b *testing.B) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
		wg    sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() { defer wg.Done(); _, _ = io.Copy(io.Discard, c) }()
		}
	}()
	b.Cleanup(func() {
		l.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return l.Addr().String()
}

// BenchmarkHTTPSumExporter is the traced loopback sum of BenchmarkHTTPSumTraced
// (sampled: four spans per request, client and server), its spans exported
// over OTLP/HTTP to a real OpenTelemetry Collector (exporter=up), to a port
// where nothing listens (exporter=down) and to a server that never answers
// (exporter=slow). The exporter's trouble must not reach the requests:
// runLoad fails on any error, and p99-ns compares the latency tail.
// exporter=up needs the collector binary (kit-otelcol) on PATH and skips
// without it.
func BenchmarkHTTPSumExporter(b *testing.B) {
	for _, clients := range []int{1, 16} {
		for _, c := range []struct {
			name string
			addr func(b *testing.B) string
		}{
			{"exporter=up", func(b *testing.B) string { return otelcoltest.Start(b).OTLPHTTP }},
			{"exporter=down", refusedAddr},
			{"exporter=slow", silentAddr},
		} {
			b.Run(fmt.Sprintf("clients=%d/%s", clients, c.name), func(b *testing.B) {
				hc := tracedHTTP(otlpProvider(b, c.addr(b)))
				defer hc.srv.Close()
				ctx := context.Background()
				runLoad(b, clients, func() error {
					v, err := hc.call(ctx, 1, 2)
					if err == nil && v != 3 {
						err = fmt.Errorf("sum = %d, want 3", v)
					}
					return err
				})
			})
		}
	}
}
