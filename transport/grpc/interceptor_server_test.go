package grpc_test

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/endpointkit/kit/circuitbreaker"
	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/ratelimit"
	kitgrpc "github.com/endpointkit/kit/transport/grpc"
)

// plainEcho is a grpc-go service written without kit: magic inputs fail in
// various ways.
type plainEcho struct{}

type ctxKey struct{}

func (plainEcho) Upper(ctx context.Context, in *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
	switch in.Value {
	case "invalid":
		return nil, status.Error(codes.InvalidArgument, "bad input")
	case "unavailable":
		return nil, status.Error(codes.Unavailable, "database down")
	case "plain":
		return nil, errors.New("boom")
	case "panic":
		panic("the devil")
	case "wait":
		<-ctx.Done()
		return nil, ctx.Err()
	case "value":
		v, _ := ctx.Value(ctxKey{}).(string)
		return wrapperspb.String(v), nil
	}
	return wrapperspb.String("OK " + in.Value), nil
}

// streamDesc declares "test.Stream/Count", a server stream that sends the
// context value set by the middleware, then n messages for a request n.
var streamDesc = grpc.ServiceDesc{
	ServiceName: "test.Stream",
	HandlerType: (*any)(nil),
	Streams: []grpc.StreamDesc{{
		StreamName:    "Count",
		ServerStreams: true,
		Handler: func(_ any, stream grpc.ServerStream) error {
			in := new(wrapperspb.StringValue)
			if err := stream.RecvMsg(in); err != nil {
				return err
			}
			if in.Value == "invalid" {
				return status.Error(codes.InvalidArgument, "bad count")
			}
			if in.Value == "panic" {
				panic("the stream's devil")
			}
			if in.Value == "wait" {
				<-stream.Context().Done()
				return stream.Context().Err()
			}
			v, _ := stream.Context().Value(ctxKey{}).(string)
			if err := stream.SendMsg(wrapperspb.String(v)); err != nil {
				return err
			}
			return stream.SendMsg(wrapperspb.String(in.Value))
		},
	}},
}

// recorder is a middleware that records the outcome of each call as kit
// classifies it, and the request values it received.
type recorder struct {
	mu       sync.Mutex
	outcomes []endpoint.Outcome
	calls    []*kitgrpc.ServerCall
}

func (r *recorder) middleware(next endpoint.Endpoint) endpoint.Endpoint {
	return func(ctx context.Context, req any) (any, error) {
		resp, err := next(ctx, req)
		r.mu.Lock()
		defer r.mu.Unlock()
		r.outcomes = append(r.outcomes, endpoint.Classify(ctx, resp, err))
		c, _ := req.(*kitgrpc.ServerCall)
		r.calls = append(r.calls, c)
		return resp, err
	}
}

func (r *recorder) last() (endpoint.Outcome, *kitgrpc.ServerCall) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.outcomes) == 0 {
		return endpoint.Outcome{Kind: 255}, nil
	}
	return r.outcomes[len(r.outcomes)-1], r.calls[len(r.calls)-1]
}

// withValue is a middleware that adds a context value.
func withValue(v string) endpoint.Middleware {
	return func(next endpoint.Endpoint) endpoint.Endpoint {
		return func(ctx context.Context, req any) (any, error) {
			return next(context.WithValue(ctx, ctxKey{}, v), req)
		}
	}
}

// serveTCP serves the echo and stream services behind the interceptors
// over loopback TCP and returns a connection to them.
func serveTCP(t *testing.T, mw endpoint.Middleware, opts ...kitgrpc.ServerInterceptorOption) *grpc.ClientConn {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return serveOn(t, lis, []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}, mw, opts...)
}

func serveOn(t *testing.T, lis net.Listener, dial []grpc.DialOption, mw endpoint.Middleware, opts ...kitgrpc.ServerInterceptorOption) *grpc.ClientConn {
	t.Helper()
	s := grpc.NewServer(
		grpc.ChainUnaryInterceptor(kitgrpc.UnaryServerInterceptor(mw, opts...)),
		grpc.ChainStreamInterceptor(kitgrpc.StreamServerInterceptor(mw, opts...)))
	s.RegisterService(&echoDesc, plainEcho{})
	s.RegisterService(&streamDesc, nil)
	done := make(chan struct{})
	go func() { defer close(done); _ = s.Serve(lis) }()
	target := lis.Addr().String()
	if _, ok := lis.(*bufconn.Listener); ok {
		target = "passthrough:///bufnet"
	}
	conn, err := grpc.NewClient(target, dial...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn.Close()
		s.Stop()
		<-done
	})
	return conn
}

func callUpper(ctx context.Context, conn *grpc.ClientConn, in string) (string, error) {
	out := new(wrapperspb.StringValue)
	err := conn.Invoke(ctx, "/test.Echo/Upper", wrapperspb.String(in), out)
	return out.GetValue(), err
}

// TestUnaryServerInterceptorStatuses checks, over a real server, what the
// client receives and how the middleware classifies each call.
func TestUnaryServerInterceptorStatuses(t *testing.T) {
	rec := &recorder{}
	conn := serveTCP(t, rec.middleware)
	cases := []struct {
		in      string
		code    codes.Code
		msg     string
		outcome endpoint.Kind
	}{
		{"x", codes.OK, "", endpoint.Success},
		{"invalid", codes.InvalidArgument, "bad input", endpoint.CallerError},
		{"unavailable", codes.Unavailable, "database down", endpoint.DependencyFailure},
		{"plain", codes.Unknown, "boom", endpoint.DependencyFailure}, // as grpc-go sends it without the interceptor
		{"panic", codes.Internal, "internal error", endpoint.DependencyFailure},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			_, err := callUpper(context.Background(), conn, tc.in)
			if s := status.Convert(err); s.Code() != tc.code || (tc.msg != "" && s.Message() != tc.msg) {
				t.Errorf("Upper(%q): %v, want %v %q", tc.in, err, tc.code, tc.msg)
			}
			o, call := rec.last()
			if o.Kind != tc.outcome {
				t.Errorf("Upper(%q): middleware saw %v, want %v", tc.in, o, tc.outcome)
			}
			if call == nil || call.FullMethod != "/test.Echo/Upper" || call.Type() != "unary" {
				t.Errorf("Upper(%q): middleware's request %+v, want a unary ServerCall for /test.Echo/Upper", tc.in, call)
			}
		})
	}
	// The server survived the panic.
	if out, err := callUpper(context.Background(), conn, "after"); err != nil || out != "OK after" {
		t.Errorf("Upper after a panic: %q, %v; want OK after", out, err)
	}
}

// TestUnaryServerInterceptorBreaker: InvalidArgument never opens a breaker,
// Unavailable does, and the open breaker's refusal is ResourceExhausted.
func TestUnaryServerInterceptorBreaker(t *testing.T) {
	b := circuitbreaker.NewBreaker(circuitbreaker.Settings{MinRequests: 5, OpenFor: time.Hour})
	conn := serveTCP(t, b.Middleware)
	ctx := context.Background()
	for i := range 20 {
		if _, err := callUpper(ctx, conn, "invalid"); status.Code(err) != codes.InvalidArgument {
			t.Fatalf("invalid call %d: %v, want InvalidArgument", i, err)
		}
	}
	if out, err := callUpper(ctx, conn, "x"); err != nil || out != "OK x" {
		t.Fatalf("after 20 InvalidArguments: %q, %v; want OK x (breaker closed)", out, err)
	}
	if s := b.State(time.Now()); s != circuitbreaker.Closed {
		t.Fatalf("breaker state after caller errors: %v, want closed", s)
	}
	var refused error
	for range 20 {
		_, err := callUpper(ctx, conn, "unavailable")
		if status.Code(err) == codes.ResourceExhausted {
			refused = err
			break
		}
		if status.Code(err) != codes.Unavailable {
			t.Fatalf("unavailable call: %v, want Unavailable", err)
		}
	}
	if refused == nil {
		t.Fatal("20 Unavailable calls did not open the breaker")
	}
	if _, err := callUpper(ctx, conn, "x"); status.Code(err) != codes.ResourceExhausted {
		t.Errorf("healthy call through the open breaker: %v, want ResourceExhausted", err)
	}
}

// TestServerInterceptorLimiter: a refusing limiter is ResourceExhausted on
// both interceptors, and the handler does not run.
func TestServerInterceptorLimiter(t *testing.T) {
	var allow sync.Mutex // held: refuse
	limit := ratelimit.NewErroringLimiter(ratelimit.AllowerFunc(func() bool {
		if allow.TryLock() {
			allow.Unlock()
			return true
		}
		return false
	}))
	conn := serveTCP(t, limit)
	if out, err := callUpper(context.Background(), conn, "x"); err != nil || out != "OK x" {
		t.Fatalf("allowed call: %q, %v", out, err)
	}
	allow.Lock()
	defer allow.Unlock()
	_, err := callUpper(context.Background(), conn, "x")
	if status.Code(err) != codes.ResourceExhausted {
		t.Errorf("refused unary call: %v, want ResourceExhausted", err)
	}
	if _, err := streamCount(context.Background(), conn, "2"); status.Code(err) != codes.ResourceExhausted {
		t.Errorf("refused stream: %v, want ResourceExhausted", err)
	}
}

// TestServerInterceptorDeadline: this hop's own timeout reaches the handler,
// the client sees DeadlineExceeded, and the middleware outside the timeout
// counts it as a DependencyFailure; the caller's own deadline is a
// CallerError.
func TestServerInterceptorDeadline(t *testing.T) {
	rec := &recorder{}
	conn := serveTCP(t, endpoint.Chain(rec.middleware, endpoint.Timeout(20*time.Millisecond)))
	_, err := callUpper(context.Background(), conn, "wait")
	if status.Code(err) != codes.DeadlineExceeded {
		t.Errorf("Upper(wait) with a 20ms hop timeout: %v, want DeadlineExceeded", err)
	}
	if o, _ := rec.last(); o.Kind != endpoint.DependencyFailure {
		t.Errorf("this hop's timeout classified %v, want DependencyFailure", o)
	}

	// The stream's handler sees this hop's deadline in stream.Context().
	if _, err := streamCount(context.Background(), conn, "wait"); status.Code(err) != codes.DeadlineExceeded {
		t.Errorf("stream waiting past a 20ms hop timeout: %v, want DeadlineExceeded", err)
	}
	if o, _ := rec.last(); o.Kind != endpoint.DependencyFailure {
		t.Errorf("the stream's hop timeout classified %v, want DependencyFailure", o)
	}

	outcomes := make(chan endpoint.Outcome, 1)
	conn2 := serveTCP(t, func(next endpoint.Endpoint) endpoint.Endpoint {
		return func(ctx context.Context, req any) (any, error) {
			resp, err := next(ctx, req)
			outcomes <- endpoint.Classify(ctx, resp, err)
			return resp, err
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := callUpper(ctx, conn2, "wait"); status.Code(err) != codes.DeadlineExceeded {
		t.Errorf("Upper(wait) with the caller's 20ms deadline: %v, want DeadlineExceeded", err)
	}
	// The server's handler returns when its own context ends, which may be
	// after the client gave up.
	select {
	case o := <-outcomes:
		if o.Kind != endpoint.CallerError {
			t.Errorf("the caller's deadline classified %v, want CallerError", o)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the server's middleware did not return within 10s of the caller's deadline")
	}
}

func streamCount(ctx context.Context, conn *grpc.ClientConn, in string) ([]string, error) {
	cs, err := conn.NewStream(ctx, &streamDesc.Streams[0], "/test.Stream/Count")
	if err != nil {
		return nil, err
	}
	if err := cs.SendMsg(wrapperspb.String(in)); err != nil {
		return nil, err
	}
	if err := cs.CloseSend(); err != nil {
		return nil, err
	}
	var got []string
	for {
		m := new(wrapperspb.StringValue)
		if err := cs.RecvMsg(m); err != nil {
			if errors.Is(err, io.EOF) {
				return got, nil
			}
			return got, err
		}
		got = append(got, m.Value)
	}
}

// TestServerInterceptorContext: a value the middleware adds to the context
// reaches the unary handler and the stream's Context.
func TestServerInterceptorContext(t *testing.T) {
	rec := &recorder{}
	conn := serveTCP(t, endpoint.Chain(rec.middleware, withValue("from the middleware")))
	if out, err := callUpper(context.Background(), conn, "value"); err != nil || out != "from the middleware" {
		t.Errorf("unary handler's context value: %q, %v; want %q", out, err, "from the middleware")
	}
	got, err := streamCount(context.Background(), conn, "n")
	if err != nil || len(got) != 2 || got[0] != "from the middleware" || got[1] != "n" {
		t.Errorf("stream: %q, %v; want [from the middleware n]", got, err)
	}
	o, call := rec.last()
	if o.Kind != endpoint.Success || call == nil || call.Type() != "server_stream" || call.FullMethod != "/test.Stream/Count" || call.Stream == nil {
		t.Errorf("stream as the middleware saw it: %v %+v; want Success, a server_stream ServerCall for /test.Stream/Count", o, call)
	}
	if _, err := streamCount(context.Background(), conn, "invalid"); status.Code(err) != codes.InvalidArgument {
		t.Errorf("stream handler's InvalidArgument: %v", err)
	}
	if o, _ := rec.last(); o.Kind != endpoint.CallerError {
		t.Errorf("stream's InvalidArgument classified %v, want CallerError", o)
	}
}

// TestServerInterceptorMisuse: a middleware that calls the handler twice or
// passes on another request value gets an error, and the call fails
// cleanly; the ErrorHandler sees every error with the call's code.
func TestServerInterceptorMisuse(t *testing.T) {
	var mu sync.Mutex
	var seen []error
	eh := kitgrpc.ErrorHandlerFunc(func(_ context.Context, err error) {
		mu.Lock()
		seen = append(seen, err)
		mu.Unlock()
	})
	twice := func(next endpoint.Endpoint) endpoint.Endpoint {
		return func(ctx context.Context, req any) (any, error) {
			if _, err := next(ctx, req); err != nil {
				return nil, err
			}
			return next(ctx, req)
		}
	}
	conn := serveTCP(t, twice, kitgrpc.ServerInterceptorErrorHandler(eh), kitgrpc.ServerInterceptorVerboseErrors())
	_, err := callUpper(context.Background(), conn, "x")
	if status.Code(err) != codes.Unknown || status.Convert(err).Message() != kitgrpc.ErrHandlerCalledTwice.Error() {
		t.Errorf("handler called twice: %v, want Unknown %q", err, kitgrpc.ErrHandlerCalledTwice)
	}
	swap := func(next endpoint.Endpoint) endpoint.Endpoint {
		return func(ctx context.Context, _ any) (any, error) { return next(ctx, "another") }
	}
	conn2 := serveTCP(t, swap)
	if _, err := callUpper(context.Background(), conn2, "x"); status.Code(err) != codes.Unknown || status.Convert(err).Message() != "unknown error" {
		t.Errorf("request value swapped: %v, want Unknown \"unknown error\"", err)
	}
	boom := func(endpoint.Endpoint) endpoint.Endpoint {
		return func(context.Context, any) (any, error) { panic("middleware bug") }
	}
	conn3 := serveTCP(t, boom)
	if _, err := callUpper(context.Background(), conn3, "x"); status.Code(err) != codes.Internal || status.Convert(err).Message() != "internal error" {
		t.Errorf("middleware panics: %v, want Internal \"internal error\"", err)
	}
	if _, err := streamCount(context.Background(), conn3, "1"); status.Code(err) != codes.Internal {
		t.Errorf("middleware panics on a stream: %v, want Internal", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 1 || !errors.Is(seen[0], kitgrpc.ErrHandlerCalledTwice) {
		t.Errorf("ErrorHandler saw %v, want [ErrHandlerCalledTwice]", seen)
	}
}

// TestServerInterceptorBufconn runs the stream interceptor over bufconn as
// well, as most grpc-go services' own tests do.
func TestServerInterceptorBufconn(t *testing.T) {
	lis := bufconn.Listen(1 << 16)
	conn := serveOn(t, lis, []grpc.DialOption{
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
	}, withValue("v"))
	conn.Connect()
	got, err := streamCount(context.Background(), conn, "1")
	if err != nil || len(got) != 2 || got[0] != "v" {
		t.Errorf("stream over bufconn: %q, %v", got, err)
	}
}

// TestServerInterceptorNilArguments: a nil middleware runs the handler
// alone, and nil recorders record nothing, rather than panicking.
func TestServerInterceptorNilArguments(t *testing.T) {
	conn := serveTCP(t, nil)
	if out, err := callUpper(context.Background(), conn, "x"); err != nil || out != "OK x" {
		t.Errorf("nil middleware: %q, %v; want OK x", out, err)
	}
	conn2 := serveTCP(t, endpoint.Chain(kitgrpc.ServerMetrics(nil), kitgrpc.ServerAccessLog(nil)))
	if out, err := callUpper(context.Background(), conn2, "x"); err != nil || out != "OK x" {
		t.Errorf("nil metrics and logger: %q, %v; want OK x", out, err)
	}
}

// TestStreamServerInterceptorHandlerPanic checks that a stream handler's
// panic reaches the middleware as a failure (a *PanicError, classified
// DependencyFailure, so that a breaker counts it), the client as Internal
// "internal error", and that the server survives it.
func TestStreamServerInterceptorHandlerPanic(t *testing.T) {
	var rec recorder
	conn := serveTCP(t, rec.middleware)
	_, err := streamCount(context.Background(), conn, "panic")
	if status.Code(err) != codes.Internal || status.Convert(err).Message() != "internal error" {
		t.Errorf("stream handler panics: %v, want Internal \"internal error\"", err)
	}
	o, call := rec.last()
	if o.Kind != endpoint.DependencyFailure || call == nil || call.Type() != "server_stream" {
		t.Errorf("the middleware saw %v for %+v, want DependencyFailure for the server stream", o, call)
	}
	if _, err := streamCount(context.Background(), conn, "2"); err != nil {
		t.Errorf("a stream after the panic: %v, want it served", err)
	}
}

// TestServerInterceptorBefore: the before functions read the call's
// incoming metadata into the context, in order, and the middleware and the
// handler see what they put there, for unary calls and streams alike.
func TestServerInterceptorBefore(t *testing.T) {
	var seenByMiddleware []string
	var mu sync.Mutex
	fromMD := func(ctx context.Context, md metadata.MD) context.Context {
		return context.WithValue(ctx, ctxKey{}, strings.Join(md.Get("x-user"), ","))
	}
	suffix := func(ctx context.Context, _ metadata.MD) context.Context {
		v, _ := ctx.Value(ctxKey{}).(string)
		return context.WithValue(ctx, ctxKey{}, v+"!")
	}
	look := func(next endpoint.Endpoint) endpoint.Endpoint {
		return func(ctx context.Context, req any) (any, error) {
			v, _ := ctx.Value(ctxKey{}).(string)
			mu.Lock()
			seenByMiddleware = append(seenByMiddleware, v)
			mu.Unlock()
			return next(ctx, req)
		}
	}
	conn := serveTCP(t, look, kitgrpc.ServerInterceptorBefore(fromMD, suffix))
	ctx := metadata.AppendToOutgoingContext(context.Background(), "x-user", "ann")
	if out, err := callUpper(ctx, conn, "value"); err != nil || out != "ann!" {
		t.Errorf("unary handler's context value: %q, %v; want %q", out, err, "ann!")
	}
	if got, err := streamCount(ctx, conn, "n"); err != nil || len(got) != 2 || got[0] != "ann!" {
		t.Errorf("stream: %q, %v; want [ann! n]", got, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seenByMiddleware) != 2 || seenByMiddleware[0] != "ann!" || seenByMiddleware[1] != "ann!" {
		t.Errorf("the middleware saw %q, want [ann! ann!]", seenByMiddleware)
	}
}
