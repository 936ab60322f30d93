package grpc_test

import (
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/endpointkit/kit/circuitbreaker"
	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/loadbalancer"
	kitgrpc "github.com/endpointkit/kit/transport/grpc"
)

// The service of the client-side tests, "test.Named", is declared by hand:
// Do answers with the server's name, or fails as the request says; Count
// streams the server's name n times, n the request's value.

type namedServer struct {
	name  string
	calls atomic.Int64
}

var namedDesc = grpc.ServiceDesc{
	ServiceName: "test.Named",
	HandlerType: (*any)(nil),
	Methods: []grpc.MethodDesc{{
		MethodName: "Do",
		Handler: func(srv any, ctx context.Context, dec func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
			in := new(wrapperspb.StringValue)
			if err := dec(in); err != nil {
				return nil, err
			}
			s := srv.(*namedServer)
			s.calls.Add(1)
			switch in.Value {
			case "unavailable":
				return nil, status.Error(codes.Unavailable, "going away")
			case "invalid":
				return nil, status.Error(codes.InvalidArgument, "bad request")
			case "flaky": // every other call fails
				if s.calls.Load()%2 == 1 {
					return nil, status.Error(codes.Unavailable, "flaky")
				}
			}
			return wrapperspb.String(s.name), nil
		},
	}},
	Streams: []grpc.StreamDesc{{
		StreamName:    "Count",
		ServerStreams: true,
		Handler: func(srv any, stream grpc.ServerStream) error {
			in := new(wrapperspb.Int32Value)
			if err := stream.RecvMsg(in); err != nil {
				return err
			}
			s := srv.(*namedServer)
			s.calls.Add(1)
			for range in.Value {
				if err := stream.SendMsg(wrapperspb.String(s.name)); err != nil {
					return err
				}
			}
			return nil
		},
	}},
}

var countDesc = &grpc.StreamDesc{StreamName: "Count", ServerStreams: true}

// startNamed serves test.Named on loopback until the test ends.
func startNamed(t *testing.T, name string) (*namedServer, string, func()) {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &namedServer{name: name}
	srv := grpc.NewServer()
	srv.RegisterService(&namedDesc, s)
	go srv.Serve(lis)
	var once sync.Once
	stop := func() { once.Do(srv.Stop) }
	t.Cleanup(stop)
	return s, lis.Addr().String(), stop
}

func dialNamed(t *testing.T, target string, opts ...grpc.DialOption) *grpc.ClientConn {
	t.Helper()
	conn, err := grpc.NewClient(target, append([]grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func callDo(ctx context.Context, conn *grpc.ClientConn, in string) (string, error) {
	out := new(wrapperspb.StringValue)
	err := conn.Invoke(ctx, "/test.Named/Do", wrapperspb.String(in), out)
	return out.Value, err
}

// openingBreaker returns a breaker that opens after 4 calls with half failed,
// and a function that reports whether it opened.
func openingBreaker() (*circuitbreaker.Breaker, func() bool) {
	var opened atomic.Bool
	b := circuitbreaker.NewBreaker(circuitbreaker.Settings{MinRequests: 4, OpenFor: time.Minute},
		circuitbreaker.BreakerStateChange(func(_, to circuitbreaker.State) {
			if to == circuitbreaker.Open {
				opened.Store(true)
			}
		}))
	return b, opened.Load
}

func TestUnaryClientInterceptorBreaker(t *testing.T) {
	srv, addr, _ := startNamed(t, "a")
	b, opened := openingBreaker()
	conn := dialNamed(t, addr, grpc.WithChainUnaryInterceptor(kitgrpc.UnaryClientInterceptor(b.Middleware)))
	ctx := context.Background()

	if got, err := callDo(ctx, conn, "hello"); err != nil || got != "a" {
		t.Fatalf("Do(hello) = %q, %v; want \"a\", nil", got, err)
	}
	// Requests the server calls invalid are the caller's errors: the
	// breaker does not count them.
	for range 10 {
		_, err := callDo(ctx, conn, "invalid")
		if status.Code(err) != codes.InvalidArgument {
			t.Fatalf("Do(invalid): err = %v, want InvalidArgument", err)
		}
		var ce *kitgrpc.ClientError
		if !errors.As(err, &ce) {
			t.Errorf("Do(invalid): err %T is not a *ClientError", err)
		}
	}
	if opened() {
		t.Fatal("breaker opened on InvalidArgument")
	}
	// Unavailable is the dependency's failure: with the one success, 3 of
	// them make 4 counted calls, 3 failed: the breaker opens.
	for range 3 {
		if _, err := callDo(ctx, conn, "unavailable"); status.Code(err) != codes.Unavailable {
			t.Fatalf("Do(unavailable): err = %v, want Unavailable", err)
		}
	}
	if !opened() {
		t.Fatal("breaker did not open after 3 Unavailable of 4 counted calls")
	}
	before := srv.calls.Load()
	_, err := callDo(ctx, conn, "hello")
	if !errors.Is(err, circuitbreaker.ErrOpen) || status.Code(err) != codes.ResourceExhausted {
		t.Errorf("Do with the breaker open: err = %v (code %v), want ErrOpen with ResourceExhausted", err, status.Code(err))
	}
	if srv.calls.Load() != before {
		t.Error("the call reached the server with the breaker open")
	}
}

func TestUnaryClientInterceptorSeesMessages(t *testing.T) {
	_, addr, _ := startNamed(t, "a")
	var seenReq, seenResp string
	var seenDeadline bool
	mw := func(next endpoint.Endpoint) endpoint.Endpoint {
		return func(ctx context.Context, req any) (any, error) {
			seenReq = req.(*wrapperspb.StringValue).Value
			resp, err := endpoint.Timeout(time.Second)(next)(ctx, req)
			if err == nil {
				seenResp = resp.(*wrapperspb.StringValue).Value
			}
			return resp, err
		}
	}
	deadlineMW := func(next endpoint.Endpoint) endpoint.Endpoint {
		return func(ctx context.Context, req any) (any, error) {
			_, seenDeadline = ctx.Deadline()
			return next(ctx, req)
		}
	}
	var filtered atomic.Int64
	skip := func(next endpoint.Endpoint) endpoint.Endpoint {
		return func(ctx context.Context, req any) (any, error) {
			filtered.Add(1)
			return next(ctx, req)
		}
	}
	conn := dialNamed(t, addr, grpc.WithChainUnaryInterceptor(
		kitgrpc.UnaryClientInterceptor(endpoint.Chain(mw, deadlineMW)),
		kitgrpc.UnaryClientInterceptor(skip, kitgrpc.ClientInterceptorFilter(func(m string) bool { return m != "/test.Named/Do" })),
	))
	got, err := callDo(context.Background(), conn, "hello")
	if err != nil || got != "a" {
		t.Fatalf("Do(hello) = %q, %v", got, err)
	}
	if seenReq != "hello" || seenResp != "a" || !seenDeadline {
		t.Errorf("middleware saw request %q, reply %q, deadline %v; want \"hello\", \"a\", true", seenReq, seenResp, seenDeadline)
	}
	if filtered.Load() != 0 {
		t.Errorf("filtered-out middleware ran %d times, want 0", filtered.Load())
	}
}

func TestStreamClientInterceptor(t *testing.T) {
	srv, addr, _ := startNamed(t, "a")
	var opens atomic.Int64
	var refuse atomic.Bool
	mw := func(next endpoint.Endpoint) endpoint.Endpoint {
		return func(ctx context.Context, req any) (any, error) {
			opens.Add(1)
			if req.(*grpc.StreamDesc).StreamName != "Count" {
				t.Errorf("middleware saw %v, want the Count StreamDesc", req)
			}
			if refuse.Load() {
				return nil, circuitbreaker.ErrOpen
			}
			return next(ctx, req)
		}
	}
	conn := dialNamed(t, addr, grpc.WithChainStreamInterceptor(kitgrpc.StreamClientInterceptor(mw)))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cs, err := conn.NewStream(ctx, countDesc, "/test.Named/Count")
	if err != nil {
		t.Fatal(err)
	}
	if err := cs.SendMsg(wrapperspb.Int32(3)); err != nil {
		t.Fatal(err)
	}
	cs.CloseSend()
	n := 0
	for {
		m := new(wrapperspb.StringValue)
		if err := cs.RecvMsg(m); err != nil {
			break
		}
		n++
	}
	if n != 3 || opens.Load() != 1 {
		t.Errorf("stream gave %d messages after %d openings, want 3 after 1", n, opens.Load())
	}

	refuse.Store(true)
	before := srv.calls.Load()
	_, err = conn.NewStream(ctx, countDesc, "/test.Named/Count")
	if !errors.Is(err, circuitbreaker.ErrOpen) || status.Code(err) != codes.ResourceExhausted {
		t.Errorf("NewStream refused by the middleware: err = %v (code %v), want ErrOpen with ResourceExhausted", err, status.Code(err))
	}
	if srv.calls.Load() != before {
		t.Error("a refused stream reached the server")
	}
}

func TestStreamClientInterceptorCountsUnavailable(t *testing.T) {
	// Opening a stream to a server that is gone fails with Unavailable,
	// which the breaker counts.
	_, addr, stop := startNamed(t, "a")
	stop()
	b, opened := openingBreaker()
	var outcomes []endpoint.Outcome
	record := func(next endpoint.Endpoint) endpoint.Endpoint {
		return func(ctx context.Context, req any) (any, error) {
			resp, err := next(ctx, req)
			outcomes = append(outcomes, endpoint.Classify(ctx, resp, err))
			return resp, err
		}
	}
	conn := dialNamed(t, addr, grpc.WithChainStreamInterceptor(kitgrpc.StreamClientInterceptor(endpoint.Chain(b.Middleware, record))))
	for range 4 {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, err := conn.NewStream(ctx, countDesc, "/test.Named/Count")
		cancel()
		if status.Code(err) != codes.Unavailable {
			t.Fatalf("NewStream to a stopped server: err = %v, want Unavailable", err)
		}
	}
	for _, o := range outcomes {
		if o.Kind != endpoint.DependencyFailure {
			t.Errorf("outcome %v, want dependency_failure", o)
		}
	}
	if !opened() {
		t.Error("breaker did not open after 4 failed stream openings")
	}
}

func TestUnaryClientInterceptorRetry(t *testing.T) {
	// A retry middleware calls the Endpoint again: the method is invoked
	// anew, into the same reply.
	srv, addr, _ := startNamed(t, "a")
	retry := func(next endpoint.Endpoint) endpoint.Endpoint {
		return loadbalancer.RetryWith(loadbalancer.NewRoundRobin(loadbalancer.FixedEndpointer{next}),
			loadbalancer.RetrySettings{BackoffBase: -1})
	}
	conn := dialNamed(t, addr, grpc.WithChainUnaryInterceptor(kitgrpc.UnaryClientInterceptor(retry)))
	got, err := callDo(context.Background(), conn, "flaky")
	if err != nil || got != "a" {
		t.Fatalf("Do(flaky) = %q, %v; want \"a\" after a retry", got, err)
	}
	if n := srv.calls.Load(); n != 2 {
		t.Errorf("server saw %d calls, want 2", n)
	}
	// InvalidArgument is not retried.
	if _, err := callDo(context.Background(), conn, "invalid"); status.Code(err) != codes.InvalidArgument {
		t.Errorf("Do(invalid): err = %v, want InvalidArgument", err)
	}
	if n := srv.calls.Load(); n != 3 {
		t.Errorf("server saw %d calls, want 3 (no retry of InvalidArgument)", n)
	}
}
