package thrift_test

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/apache/thrift/lib/go/thrift"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/internal/testenv"
	kitthrift "github.com/endpointkit/kit/transport/thrift"
	"github.com/endpointkit/kit/transport/thrift/internal/thrifttest"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// testService implements thrifttest.Test with one kit Server per method.
type testService struct {
	echo, sleep kitthrift.Handler
	ping        func(ctx context.Context, s string) error
}

func (s *testService) Echo(ctx context.Context, in string) (string, error) {
	_, resp, err := s.echo.ServeThrift(ctx, in)
	if err != nil {
		return "", err
	}
	return resp.(string), nil
}

func (s *testService) Sleep(ctx context.Context, ms int64) (int64, error) {
	_, resp, err := s.sleep.ServeThrift(ctx, ms)
	if err != nil {
		return 0, err
	}
	return resp.(int64), nil
}

func (s *testService) Ping(ctx context.Context, in string) error {
	if s.ping != nil {
		return s.ping(ctx, in)
	}
	return nil
}

func identity(_ context.Context, v any) (any, error) { return v, nil }

// echoEndpoint returns its request, except for a few that fail:
// "refuse" (declared exception), "fail" (an error with internals in its
// text), "limit" (an overload refusal), "panic".
func echoEndpoint(_ context.Context, req any) (any, error) {
	switch s := req.(string); s {
	case "refuse":
		return nil, &thrifttest.Refused{Reason: "no"}
	case "fail":
		return nil, errors.New("db password=hunter2 at 10.0.0.7")
	case "limit":
		return nil, endpoint.WithOutcome(errors.New("limit reached"), endpoint.Outcome{Kind: endpoint.Overloaded, Retryable: true})
	case "panic":
		panic("boom: secret")
	default:
		return s, nil
	}
}

// sleepEndpoint waits the requested milliseconds or until ctx ends.
func sleepEndpoint(ctx context.Context, req any) (any, error) {
	ms := req.(int64)
	select {
	case <-time.After(time.Duration(ms) * time.Millisecond):
		return ms, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func newTestService(options ...kitthrift.ServerOption) *testService {
	return &testService{
		echo:  kitthrift.NewServer(echoEndpoint, identity, identity, options...),
		sleep: kitthrift.NewServer(sleepEndpoint, identity, identity, options...),
	}
}

// startServer serves svc on a loopback port and returns its address. The
// server is closed when the test ends.
func startServer(t *testing.T, svc thrifttest.Test, settings kitthrift.ConnSettings) (string, *kitthrift.ConnServer) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := kitthrift.NewConnServer(thrifttest.NewTestProcessor(svc), settings)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	t.Cleanup(func() {
		_ = srv.Close()
		if err := <-served; !errors.Is(err, kitthrift.ErrServerClosed) {
			t.Errorf("Serve() = %v, want ErrServerClosed", err)
		}
	})
	return ln.Addr().String(), srv
}

// echoCall calls Echo through the generated client.
func echoCall(ctx context.Context, c thrift.TClient, req any) (any, error) {
	return thrifttest.NewTestClient(c).Echo(ctx, req.(string))
}

func sleepCall(ctx context.Context, c thrift.TClient, req any) (any, error) {
	return thrifttest.NewTestClient(c).Sleep(ctx, req.(int64))
}

// errorLog collects the errors an ErrorHandler sees.
type errorLog struct {
	mu   sync.Mutex
	errs []error
}

func (l *errorLog) Handle(_ context.Context, err error) {
	l.mu.Lock()
	l.errs = append(l.errs, err)
	l.mu.Unlock()
}

func (l *errorLog) all() []error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]error(nil), l.errs...)
}

// startBenchServer is startServer for benchmarks.
func startBenchServer(b *testing.B, p kitthrift.Protocol, framed bool) (string, *kitthrift.ConnServer) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := kitthrift.NewConnServer(thrifttest.NewTestProcessor(newTestService()), kitthrift.ConnSettings{Protocol: p, Framed: framed})
	go srv.Serve(ln)
	return ln.Addr().String(), srv
}
