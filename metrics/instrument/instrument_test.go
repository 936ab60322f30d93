package instrument_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/metrics/discard"
	"github.com/endpointkit/kit/metrics/generic"
	"github.com/endpointkit/kit/metrics/instrument"
)

// counts returns c's children's values by their label values joined with
// commas.
func counts(c *generic.Counter) map[string]float64 {
	out := map[string]float64{}
	c.Each(func(ch *generic.Counter) {
		if lvs := ch.LabelValues(); len(lvs) > 0 && ch.Value() > 0 {
			out[strings.Join(lvs, ",")] = ch.Value()
		}
	})
	return out
}

func TestHTTPLabels(t *testing.T) {
	cases := []struct {
		conv       instrument.Convention
		method     string
		wantMethod string
	}{
		{instrument.Prometheus, "GET", "get"},
		{instrument.Prometheus, "PATCH", "patch"},
		{instrument.Prometheus, "BREW", "unknown"},
		{instrument.OpenTelemetry, "GET", "GET"},
		{instrument.OpenTelemetry, "BREW", "_OTHER"},
	}
	for _, tc := range cases {
		t.Run(tc.conv.String()+"/"+tc.method, func(t *testing.T) {
			requests, duration := generic.NewCounter("requests"), generic.NewHistogram("duration")
			m := instrument.NewHTTP(tc.conv, requests, duration)
			m.Observe(tc.method, "GET /items/{id}", 503, 20*time.Millisecond)
			m.Observe(tc.method, "GET /items/{id}", 503, 40*time.Millisecond)
			names := instrument.HTTPServerSpec(tc.conv).Labels
			route := "GET /items/{id}"
			if tc.conv == instrument.OpenTelemetry {
				route = "/items/{id}" // http.route is the path template
			}
			want := strings.Join([]string{names[0], tc.wantMethod, names[1], route, names[2], "503"}, ",")
			if got := counts(requests); got[want] != 2 || len(got) != 1 {
				t.Errorf("Observe twice: counter children %v, want %q: 2", got, want)
			}
			h, ok := duration.With(strings.Split(want, ",")...).(*generic.Histogram)
			if !ok || h.Quantile(0.99) < 0.02 || h.Quantile(0.99) > 0.05 {
				t.Errorf("duration p99 = %v, want about 0.04 (seconds)", h.Quantile(0.99))
			}
		})
	}
}

func TestRPCLabels(t *testing.T) {
	cases := []struct {
		conv instrument.Convention
		code uint32
		want []string
	}{
		{instrument.Prometheus, 3, []string{"grpc_type", "server_stream", "grpc_service", "pkg.Service", "grpc_method", "Watch", "grpc_code", "InvalidArgument"}},
		{instrument.Prometheus, 99, []string{"grpc_type", "server_stream", "grpc_service", "pkg.Service", "grpc_method", "Watch", "grpc_code", "99"}},
		{instrument.OpenTelemetry, 4, []string{"rpc.system.name", "grpc", "rpc.method", "pkg.Service/Watch", "rpc.response.status_code", "DEADLINE_EXCEEDED"}},
	}
	for _, tc := range cases {
		requests := generic.NewCounter("requests")
		m := instrument.NewRPC(tc.conv, requests, nil)
		m.Observe("server_stream", "/pkg.Service/Watch", tc.code, time.Millisecond)
		want := strings.Join(tc.want, ",")
		if got := counts(requests); got[want] != 1 || len(got) != 1 {
			t.Errorf("%v, code %d: counter children %v, want %q: 1", tc.conv, tc.code, got, want)
		}
	}
}

func TestEndpoints(t *testing.T) {
	requests := generic.NewCounter("requests")
	m := instrument.NewEndpoints(requests, nil, nil)
	errBad := endpoint.WithOutcome(errors.New("bad"), endpoint.Outcome{Kind: endpoint.CallerError})
	e := m.Middleware("sum")(func(_ context.Context, req any) (any, error) {
		if req == "bad" {
			return nil, errBad
		}
		return "ok", nil
	})
	for _, r := range []string{"a", "b", "bad"} {
		_, _ = e(context.Background(), r)
	}
	got := counts(requests)
	want := map[string]float64{"method,sum,outcome,success": 2, "method,sum,outcome,caller_error": 1}
	if len(got) != len(want) || got["method,sum,outcome,success"] != 2 || got["method,sum,outcome,caller_error"] != 1 {
		t.Errorf("counter children %v, want %v", got, want)
	}
}

// TestConcurrentObserve hammers a recorder from many goroutines with a
// few label sets (run with -race): every call is counted once.
func TestConcurrentObserve(t *testing.T) {
	requests := generic.NewCounter("requests")
	m := instrument.NewHTTP(instrument.Prometheus, requests, nil)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 500 {
				m.Observe("GET", "GET /a", 200+(g+i)%3, time.Millisecond)
			}
		})
	}
	wg.Wait()
	var total float64
	keys := []string{}
	for k, v := range counts(requests) {
		total += v
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if total != 4000 || len(keys) != 3 {
		t.Errorf("total %v over %v, want 4000 over 3 label sets", total, keys)
	}
}

func TestObserveDoesNotAllocate(t *testing.T) {
	m := instrument.NewHTTP(instrument.Prometheus, discard.NewCounter(), discard.NewHistogram())
	m.Observe("GET", "GET /a", 200, time.Millisecond)
	if n := testing.AllocsPerRun(100, func() { m.Observe("GET", "GET /a", 200, time.Millisecond) }); n != 0 {
		t.Errorf("HTTP.Observe of a known label set: %v allocs, want 0", n)
	}
	r := instrument.NewRPC(instrument.Prometheus, discard.NewCounter(), discard.NewHistogram())
	r.Observe("unary", "/a.B/C", 0, time.Millisecond)
	if n := testing.AllocsPerRun(100, func() { r.Observe("unary", "/a.B/C", 0, time.Millisecond) }); n != 0 {
		t.Errorf("RPC.Observe of a known label set: %v allocs, want 0", n)
	}
	e := instrument.NewEndpoints(discard.NewCounter(), discard.NewHistogram(), nil).Middleware("sum")(endpoint.Nop)
	if n := testing.AllocsPerRun(100, func() { _, _ = e(context.Background(), nil) }); n != 0 {
		t.Errorf("Endpoints middleware: %v allocs, want 0", n)
	}
}

func BenchmarkHTTPObserve(b *testing.B) {
	m := instrument.NewHTTP(instrument.Prometheus, generic.NewCounter("r"), generic.NewHistogram("d"))
	b.ReportAllocs()
	for b.Loop() {
		m.Observe("GET", "GET /items/{id}", 200, time.Millisecond)
	}
}

func BenchmarkRPCObserve(b *testing.B) {
	m := instrument.NewRPC(instrument.Prometheus, generic.NewCounter("r"), generic.NewHistogram("d"))
	b.ReportAllocs()
	for b.Loop() {
		m.Observe("unary", "/pkg.Service/Method", 0, time.Millisecond)
	}
}

func BenchmarkEndpoints(b *testing.B) {
	e := instrument.NewEndpoints(generic.NewCounter("r"), generic.NewHistogram("d"), nil).Middleware("sum")(endpoint.Nop)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_, _ = e(ctx, nil)
	}
}
