package benchmarks

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/endpointkit/kit/circuitbreaker"
	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/examples/addsvc/pb"
	"github.com/endpointkit/kit/loadbalancer"
	kitgrpc "github.com/endpointkit/kit/transport/grpc"
	"github.com/endpointkit/kit/transport/http/roundtrip"
)

// The adapters that give existing clients kit's client stack, against the
// same client without them.
//
// RoundTripper workload: a GET answered "ok" by one healthy instance on
// loopback, through an http.Client, one request at a time. Contestants:
// `plain`, an http.Client over roundtrip.NewBaseTransport() calling the
// instance's address; `kit`, the same base under roundtrip.Transport
// (discovery by FixedInstancer, P2C, retry with a budget, outlier ejection)
// calling the logical host; `kit-breaker`, kit with a circuit breaker per
// instance. cpu-ns/op counts both ends, the server's work included, as both
// run in this process.

type rtContestant struct {
	client *http.Client
	url    string
	close  func()
}

func newRTContestant(name, addr string) rtContestant {
	base := roundtrip.NewBaseTransport()
	switch name {
	case "plain":
		return rtContestant{&http.Client{Transport: base}, "http://" + addr + "/", base.CloseIdleConnections}
	case "kit", "kit-breaker":
		opts := []roundtrip.TransportOption{roundtrip.TransportBase(base)}
		if name == "kit-breaker" {
			opts = append(opts, roundtrip.TransportInstanceMiddleware(func(string) endpoint.Middleware {
				return circuitbreaker.NewBreaker(circuitbreaker.Settings{}).Middleware
			}))
		}
		rt := roundtrip.NewTransport(loadbalancer.FixedInstancer{addr}, opts...)
		return rtContestant{&http.Client{Transport: rt}, "http://svc/", func() { rt.Close(); base.CloseIdleConnections() }}
	}
	panic("unknown contestant " + name)
}

var rtContestants = []string{"plain", "kit", "kit-breaker"}

func (c rtContestant) get() (string, error) {
	req, err := http.NewRequest(http.MethodGet, c.url, nil)
	if err != nil {
		return "", err
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

func okServer() (*httptest.Server, string) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	return srv, strings.TrimPrefix(srv.URL, "http://")
}

func BenchmarkRoundTripper(b *testing.B) {
	srv, addr := okServer()
	defer srv.Close()
	for _, name := range rtContestants {
		b.Run("impl="+name, func(b *testing.B) {
			c := newRTContestant(name, addr)
			defer c.close()
			b.ReportAllocs()
			start, n := cpuTime(), 0
			for b.Loop() {
				if _, err := c.get(); err != nil {
					b.Fatal(err)
				}
				n++
			}
			reportCPU(b, start, n)
		})
	}
}

func TestRoundTripperContestantsAgree(t *testing.T) {
	srv, addr := okServer()
	defer srv.Close()
	for _, name := range rtContestants {
		c := newRTContestant(name, addr)
		got, err := c.get()
		c.close()
		if got != "ok" || err != nil {
			t.Errorf("%s: GET = %q, %v; want \"ok\"", name, got, err)
		}
	}
}

// Unary client interceptor workload: the Sum RPC of addsvc over gRPC on
// loopback, one call at a time, through an interceptor that runs a
// middleware. mw=count counts calls (the adapter's own cost); mw=breaker
// runs a circuit breaker. Contestants: `none`, no interceptor; `hand`, the
// logic hand-written as a grpc.UnaryClientInterceptor (the breaker through
// AllowAt and DoneAt, codes classified by kitgrpc.OutcomeOfCode); `kit`,
// kitgrpc.UnaryClientInterceptor over the endpoint middleware.

func grpcInterceptors(mw, impl string) []grpc.DialOption {
	var calls atomic.Int64
	switch {
	case impl == "none":
		return nil
	case impl == "hand" && mw == "count":
		return []grpc.DialOption{grpc.WithChainUnaryInterceptor(func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
			calls.Add(1)
			return invoker(ctx, method, req, reply, cc, opts...)
		})}
	case impl == "hand" && mw == "breaker":
		br := circuitbreaker.NewBreaker(circuitbreaker.Settings{})
		return []grpc.DialOption{grpc.WithChainUnaryInterceptor(func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
			now := time.Now()
			t, err := br.AllowAt(now)
			if err != nil {
				return status.Error(codes.ResourceExhausted, err.Error())
			}
			err = invoker(ctx, method, req, reply, cc, opts...)
			br.DoneAt(t, now, kitgrpc.OutcomeOfCode(status.Code(err)))
			return err
		})}
	case impl == "kit" && mw == "count":
		count := func(next endpoint.Endpoint) endpoint.Endpoint {
			return func(ctx context.Context, req any) (any, error) {
				calls.Add(1)
				return next(ctx, req)
			}
		}
		return []grpc.DialOption{grpc.WithChainUnaryInterceptor(kitgrpc.UnaryClientInterceptor(count))}
	case impl == "kit" && mw == "breaker":
		br := circuitbreaker.NewBreaker(circuitbreaker.Settings{})
		return []grpc.DialOption{grpc.WithChainUnaryInterceptor(kitgrpc.UnaryClientInterceptor(br.Middleware))}
	}
	panic("unknown contestant " + impl)
}

func BenchmarkGRPCClientInterceptor(b *testing.B) {
	for _, mw := range []string{"count", "breaker"} {
		for _, impl := range []string{"none", "hand", "kit"} {
			if impl == "none" && mw == "breaker" {
				continue
			}
			b.Run(fmt.Sprintf("mw=%s/impl=%s", mw, impl), func(b *testing.B) {
				conn, stop := serveGRPCWith(rawAdd{}, nil, grpcInterceptors(mw, impl))
				defer stop()
				client := pb.NewAddClient(conn)
				ctx := context.Background()
				b.ReportAllocs()
				start, n := cpuTime(), 0
				for b.Loop() {
					r, err := client.Sum(ctx, &pb.SumRequest{A: 1, B: 2})
					if err != nil || r.V != 3 {
						b.Fatalf("Sum = %v, %v", r, err)
					}
					n++
				}
				reportCPU(b, start, n)
			})
		}
	}
}

func TestGRPCClientInterceptorContestantsAgree(t *testing.T) {
	for _, mw := range []string{"count", "breaker"} {
		for _, impl := range []string{"hand", "kit"} {
			conn, stop := serveGRPCWith(rawAdd{}, nil, grpcInterceptors(mw, impl))
			r, err := pb.NewAddClient(conn).Sum(context.Background(), &pb.SumRequest{A: 20, B: 22})
			stop()
			if err != nil || r.V != 42 {
				t.Errorf("mw=%s impl=%s: Sum(20, 22) = %v, %v; want 42", mw, impl, r, err)
			}
		}
	}
}
