package grpc_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/endpointkit/kit/circuitbreaker"
	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/metrics/generic"
	"github.com/endpointkit/kit/metrics/instrument"
	"github.com/endpointkit/kit/ratelimit"
	kitgrpc "github.com/endpointkit/kit/transport/grpc"
)

func counts(c *generic.Counter) map[string]float64 {
	out := map[string]float64{}
	c.Each(func(ch *generic.Counter) {
		if lvs := ch.LabelValues(); len(lvs) > 0 && ch.Value() > 0 {
			out[strings.Join(lvs, ",")] = ch.Value()
		}
	})
	return out
}

// TestServerMetrics records unary calls and streams, with the code the
// client receives, a limiter's refusal included.
func TestServerMetrics(t *testing.T) {
	requests := generic.NewCounter("grpc_server_handled_total")
	m := instrument.NewRPC(instrument.Prometheus, requests, generic.NewHistogram("d"))
	var refuse sync.Mutex
	limit := ratelimit.NewErroringLimiter(ratelimit.AllowerFunc(func() bool {
		if refuse.TryLock() {
			refuse.Unlock()
			return true
		}
		return false
	}))
	conn := serveTCP(t, endpoint.Chain(kitgrpc.ServerMetrics(m), limit))
	ctx := context.Background()
	for _, in := range []string{"a", "b", "invalid", "unavailable"} {
		_, _ = callUpper(ctx, conn, in)
	}
	if _, err := streamCount(ctx, conn, "1"); err != nil {
		t.Fatal(err)
	}
	refuse.Lock()
	if _, err := callUpper(ctx, conn, "a"); status.Code(err) != codes.ResourceExhausted {
		t.Errorf("refused call: %v", err)
	}
	refuse.Unlock()
	want := map[string]float64{
		"grpc_type,unary,grpc_service,test.Echo,grpc_method,Upper,grpc_code,OK":                2,
		"grpc_type,unary,grpc_service,test.Echo,grpc_method,Upper,grpc_code,InvalidArgument":   1,
		"grpc_type,unary,grpc_service,test.Echo,grpc_method,Upper,grpc_code,Unavailable":       1,
		"grpc_type,unary,grpc_service,test.Echo,grpc_method,Upper,grpc_code,ResourceExhausted": 1,
		"grpc_type,server_stream,grpc_service,test.Stream,grpc_method,Count,grpc_code,OK":      1,
	}
	got := counts(requests)
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("series %v, want %v", got, want)
	}
}

func TestServerAccessLog(t *testing.T) {
	var mu sync.Mutex
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(writerFunc(func(b []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return buf.Write(b)
	}), nil))
	conn := serveTCP(t, kitgrpc.ServerAccessLog(logger))
	ctx := context.Background()
	for _, in := range []string{"a", "invalid", "unavailable"} {
		_, _ = callUpper(ctx, conn, in)
	}
	mu.Lock()
	defer mu.Unlock()
	type line struct{ Level, Msg, Method, Type, Code, Outcome, Peer string }
	var got []line
	for _, l := range bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n")) {
		var ll line
		if err := json.Unmarshal(l, &ll); err != nil {
			t.Fatalf("%s: %v", l, err)
		}
		got = append(got, ll)
	}
	want := []line{
		{"INFO", "grpc call", "/test.Echo/Upper", "unary", "OK", "success", ""},
		{"WARN", "grpc call", "/test.Echo/Upper", "unary", "InvalidArgument", "caller_error", ""},
		{"ERROR", "grpc call", "/test.Echo/Upper", "unary", "Unavailable", "dependency_failure", ""},
	}
	if len(got) != len(want) {
		t.Fatalf("log: %s, want %d lines", buf.String(), len(want))
	}
	for i := range want {
		if !strings.HasPrefix(got[i].Peer, "127.0.0.1:") {
			t.Errorf("line %d: peer %q, want 127.0.0.1:port", i, got[i].Peer)
		}
		got[i].Peer = ""
		if got[i] != want[i] {
			t.Errorf("line %d: %+v, want %+v", i, got[i], want[i])
		}
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }

// TestServerInterceptorConcurrent hammers one interceptor, with metrics
// and a breaker, from many goroutines (run with -race): every call is
// served and counted once.
func TestServerInterceptorConcurrent(t *testing.T) {
	requests := generic.NewCounter("grpc_server_handled_total")
	m := instrument.NewRPC(instrument.Prometheus, requests, nil)
	b := circuitbreaker.NewBreaker(circuitbreaker.Settings{})
	conn := serveTCP(t, endpoint.Chain(kitgrpc.ServerMetrics(m), b.Middleware, withValue("v")))
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 25 {
				if out, err := callUpper(context.Background(), conn, "value"); err != nil || out != "v" {
					t.Errorf("Upper: %q, %v", out, err)
					return
				}
			}
		})
	}
	wg.Wait()
	if got := counts(requests)["grpc_type,unary,grpc_service,test.Echo,grpc_method,Upper,grpc_code,OK"]; got != 200 {
		t.Errorf("OK calls counted: %v, want 200", got)
	}
}
