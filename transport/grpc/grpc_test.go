package grpc_test

import (
	"context"
	"errors"
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
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/internal/testenv"
	kitgrpc "github.com/endpointkit/kit/transport/grpc"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// The service under test, "test.Echo", is declared by hand instead of
// generated: its one method Upper takes and returns a StringValue.

type echoServer interface {
	Upper(context.Context, *wrapperspb.StringValue) (*wrapperspb.StringValue, error)
}

var echoDesc = grpc.ServiceDesc{
	ServiceName: "test.Echo",
	HandlerType: (*echoServer)(nil),
	Methods: []grpc.MethodDesc{{
		MethodName: "Upper",
		Handler: func(srv any, ctx context.Context, dec func(any) error, icpt grpc.UnaryServerInterceptor) (any, error) {
			in := new(wrapperspb.StringValue)
			if err := dec(in); err != nil {
				return nil, err
			}
			h := func(ctx context.Context, req any) (any, error) {
				return srv.(echoServer).Upper(ctx, req.(*wrapperspb.StringValue))
			}
			if icpt == nil {
				return h(ctx, in)
			}
			return icpt(ctx, in, &grpc.UnaryServerInfo{Server: srv, FullMethod: "/test.Echo/Upper"}, h)
		},
	}},
}

// echo implements echoServer with a kit Server.
type echo struct{ upper kitgrpc.Handler }

func (s echo) Upper(ctx context.Context, req *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
	_, resp, err := s.upper.ServeGRPC(ctx, req)
	if err != nil {
		return nil, err
	}
	return resp.(*wrapperspb.StringValue), nil
}

// upper is the endpoint: magic inputs fail in various ways.
func upper(ctx context.Context, s string) (string, error) {
	switch s {
	case "panic":
		panic("the devil")
	case "notfound":
		return "", status.Error(codes.NotFound, "no such thing")
	case "wrapped":
		return "", errors.Join(errors.New("context"), status.Error(codes.PermissionDenied, "nope"))
	case "plain":
		return "", errors.New("boom")
	case "overloaded":
		return "", endpoint.WithOutcome(errors.New("shed"), endpoint.Outcome{Kind: endpoint.Overloaded, Retryable: true})
	case "callererror":
		return "", endpoint.WithOutcome(errors.New("no such account"), endpoint.Outcome{Kind: endpoint.CallerError})
	case "wait":
		<-ctx.Done()
		return "", ctx.Err()
	case "method":
		m, _ := kitgrpc.MethodFromContext(ctx)
		return m, nil
	}
	return strings.ToUpper(s), nil
}

func decodeString(_ context.Context, req any) (any, error) {
	v := req.(*wrapperspb.StringValue).Value
	if v == "bad" {
		return nil, errors.New("bad is not a word")
	}
	return v, nil
}

func encodeString(_ context.Context, resp any) (any, error) {
	return wrapperspb.String(resp.(string)), nil
}

// serve starts a real gRPC server on loopback and returns a connection to it.
func serve(t *testing.T, serverOpts []grpc.ServerOption, options ...kitgrpc.ServerOption) *grpc.ClientConn {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := grpc.NewServer(serverOpts...)
	s.RegisterService(&echoDesc, echo{upper: kitgrpc.NewServer(endpoint.FromFunc(upper), decodeString, encodeString, options...)})
	done := make(chan struct{})
	go func() { defer close(done); _ = s.Serve(lis) }()
	t.Cleanup(func() { s.Stop(); <-done })
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func upperClient(conn grpc.ClientConnInterface, options ...kitgrpc.ClientOption) func(context.Context, string) (string, error) {
	c := kitgrpc.NewClient(conn, "test.Echo", "Upper",
		func(_ context.Context, req any) (any, error) { return wrapperspb.String(req.(string)), nil },
		func(_ context.Context, reply any) (any, error) { return reply.(*wrapperspb.StringValue).Value, nil },
		&wrapperspb.StringValue{}, options...)
	return endpoint.ToFunc[string, string](c.Endpoint())
}

func TestStatusMapping(t *testing.T) {
	var mu sync.Mutex
	var handled []error
	conn := serve(t, []grpc.ServerOption{grpc.ChainUnaryInterceptor(kitgrpc.Interceptor)},
		kitgrpc.ServerErrorHandler(kitgrpc.ErrorHandlerFunc(func(_ context.Context, err error) {
			mu.Lock()
			handled = append(handled, err)
			mu.Unlock()
		})))
	call := upperClient(conn)
	for _, tc := range []struct {
		name, in string
		timeout  time.Duration
		wantCode codes.Code
		wantMsg  string
	}{
		{"ok", "abc", 0, codes.OK, ""},
		{"method from interceptor", "method", 0, codes.OK, ""},
		{"status kept", "notfound", 0, codes.NotFound, "no such thing"},
		{"wrapped status kept", "wrapped", 0, codes.PermissionDenied, "nope"},
		{"plain error", "plain", 0, codes.Unknown, "unknown error"}, // "boom" stays on the server
		{"overloaded error", "overloaded", 0, codes.ResourceExhausted, "shed"},
		{"caller error", "callererror", 0, codes.InvalidArgument, "no such account"},
		{"decode error", "bad", 0, codes.InvalidArgument, "bad is not a word"},
		{"panic", "panic", 0, codes.Internal, "internal error"},
		{"deadline", "wait", 30 * time.Millisecond, codes.DeadlineExceeded, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mu.Lock()
			handled = nil
			mu.Unlock()
			ctx := context.Background()
			if tc.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.timeout)
				defer cancel()
			}
			got, err := call(ctx, tc.in)
			if c := status.Code(err); c != tc.wantCode || !strings.Contains(status.Convert(err).Message(), tc.wantMsg) {
				t.Errorf("Upper(%q): err = %v, want code %v with %q", tc.in, err, tc.wantCode, tc.wantMsg)
			}
			if tc.name == "panic" && strings.Contains(err.Error(), "devil") {
				t.Errorf("Upper(panic): the panic value reached the client: %v", err)
			}
			switch tc.in {
			case "abc":
				if got != "ABC" {
					t.Errorf("Upper(abc) = %q, want ABC", got)
				}
			case "method":
				if got != "/test.Echo/Upper" {
					t.Errorf("MethodFromContext = %q, want /test.Echo/Upper", got)
				}
			}
			mu.Lock()
			n := len(handled)
			var pe *kitgrpc.PanicError
			isPanic := n == 1 && errors.As(handled[0], &pe)
			mu.Unlock()
			if wantN := map[bool]int{true: 0, false: 1}[tc.wantCode == codes.OK]; n != wantN && tc.in != "wait" {
				t.Errorf("ErrorHandler saw %d errors, want %d", n, wantN)
			}
			if tc.in == "panic" && (!isPanic || pe.Value != "the devil" || len(pe.Stack) == 0) {
				t.Errorf("ErrorHandler for a panic: want a *PanicError with value and stack")
			}
			// The server is still fine.
			if got, err := call(context.Background(), "ok"); err != nil || got != "OK" {
				t.Errorf("good call after %s: %q, %v", tc.name, got, err)
			}
		})
	}
}

func TestMetadataHooks(t *testing.T) {
	var finalErr error
	var mu sync.Mutex
	conn := serve(t, nil,
		kitgrpc.ServerBefore(func(ctx context.Context, md metadata.MD) context.Context {
			return context.WithValue(ctx, tokenKey{}, strings.Join(md.Get("x-token"), ","))
		}),
		kitgrpc.ServerAfter(func(ctx context.Context, header, trailer *metadata.MD) context.Context {
			tok, _ := ctx.Value(tokenKey{}).(string)
			header.Set("x-echo-token", tok)
			return ctx
		}, kitgrpc.SetResponseTrailer("x-trailer", "t")),
		kitgrpc.ServerFinalizer(func(_ context.Context, err error) {
			mu.Lock()
			finalErr = err
			mu.Unlock()
		}))
	var gotHeader, gotTrailer string
	call := upperClient(conn,
		kitgrpc.ClientBefore(kitgrpc.SetRequestHeader("X-Token", "t0k3n")),
		kitgrpc.ClientAfter(func(ctx context.Context, header, trailer metadata.MD) context.Context {
			gotHeader = strings.Join(header.Get("x-echo-token"), ",")
			gotTrailer = strings.Join(trailer.Get("x-trailer"), ",")
			return ctx
		}),
		kitgrpc.ClientCallOptions(grpc.WaitForReady(true)))
	if _, err := call(context.Background(), "x"); err != nil {
		t.Fatal(err)
	}
	if gotHeader != "t0k3n" || gotTrailer != "t" {
		t.Errorf("metadata round trip: header %q trailer %q, want t0k3n and t", gotHeader, gotTrailer)
	}
	if _, err := call(context.Background(), "plain"); err == nil {
		t.Fatal("Upper(plain): want an error")
	}
	mu.Lock()
	defer mu.Unlock()
	if status.Code(finalErr) != codes.Unknown {
		t.Errorf("ServerFinalizer saw %v, want the Unknown status error", finalErr)
	}
}

type tokenKey struct{}

// rawCodec sends bytes as they are: a way to put garbage on the wire.
type rawCodec struct{}

func (rawCodec) Marshal(v any) ([]byte, error)      { return v.([]byte), nil }
func (rawCodec) Unmarshal(data []byte, v any) error { *(v.(*[]byte)) = data; return nil }
func (rawCodec) Name() string                       { return "proto" }

func TestBadInput(t *testing.T) {
	conn := serve(t, []grpc.ServerOption{grpc.MaxHeaderListSize(16 << 10)})
	call := upperClient(conn)
	t.Run("garbage message", func(t *testing.T) {
		var out []byte
		err := conn.Invoke(context.Background(), "/test.Echo/Upper", []byte{0xff, 0xff, 0xff, 0x01, 0x02}, &out, grpc.ForceCodec(rawCodec{}))
		if c := status.Code(err); c == codes.OK || c == codes.Unknown {
			t.Errorf("garbage message: err = %v, want a definite error code", err)
		}
	})
	t.Run("huge metadata", func(t *testing.T) {
		ctx := metadata.AppendToOutgoingContext(context.Background(), "x-huge", strings.Repeat("x", 64<<10))
		if _, err := call(ctx, "x"); err == nil {
			t.Errorf("64 KiB of metadata: want an error")
		}
	})
	t.Run("unknown method", func(t *testing.T) {
		var out wrapperspb.StringValue
		err := conn.Invoke(context.Background(), "/test.Echo/Lower", wrapperspb.String("x"), &out)
		if status.Code(err) != codes.Unimplemented {
			t.Errorf("unknown method: err = %v, want Unimplemented", err)
		}
	})
	if got, err := call(context.Background(), "still fine"); err != nil || got != "STILL FINE" {
		t.Errorf("good call after bad input: %q, %v", got, err)
	}
}

func TestClientBadReplyType(t *testing.T) {
	c := kitgrpc.NewClient(nil, "test.Echo", "Upper", nil, nil, "not a pointer")
	if _, err := c.Endpoint()(context.Background(), "x"); !errors.Is(err, kitgrpc.ErrBadReplyType) {
		t.Errorf("client with a non-pointer reply: err = %v, want ErrBadReplyType", err)
	}
}

func TestConcurrent(t *testing.T) {
	conn := serve(t, nil)
	call := upperClient(conn)
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				if got, err := call(context.Background(), "a"); err != nil || got != "A" {
					t.Errorf("Upper(a) = %q, %v", got, err)
					return
				}
			}
		}()
	}
	wg.Wait()
}
