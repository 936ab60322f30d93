package circuitbreaker_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/endpointkit/kit/circuitbreaker"
	"github.com/endpointkit/kit/endpoint"
	kitgrpc "github.com/endpointkit/kit/transport/grpc"
	kithttp "github.com/endpointkit/kit/transport/http"
)

// The attacks of issue 11 on breakers, over real HTTP and gRPC servers on
// loopback: nothing a caller controls (a tiny deadline, a malformed request)
// may open a breaker, while real dependency failures still do.

// slowUnlessNoDeadline answers at once when the call has no deadline, and
// otherwise holds it 50ms or until its context ends: a healthy backend.
func slowUnlessNoDeadline(ctx context.Context, _ any) (any, error) {
	if _, ok := ctx.Deadline(); !ok {
		return map[string]string{"ok": "yes"}, nil
	}
	t := time.NewTimer(50 * time.Millisecond)
	defer t.Stop()
	select {
	case <-t.C:
		return map[string]string{"ok": "yes"}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func noRequest(context.Context, *http.Request) (any, error) { return nil, nil }

// TestCallerDeadlinesDoNotOpenSharedBreakers sends 40 requests with
// Kit-Timeout: 1 through an HTTP server whose endpoint is behind a breaker
// that every caller shares. They opened it when the caller's deadline
// counted as the dependency's failure, and the next caller got 500.
func TestCallerDeadlinesDoNotOpenSharedBreakers(t *testing.T) {
	for _, b := range breakers(nil) {
		t.Run(b.name, func(t *testing.T) {
			srv := httptest.NewServer(kithttp.NewServer(b.mw(slowUnlessNoDeadline), noRequest, kithttp.EncodeJSONResponse))
			defer srv.Close()
			post := func(budget string) int {
				t.Helper()
				req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader("{}"))
				if budget != "" {
					req.Header.Set(kithttp.TimeoutHeader, budget)
				}
				resp, err := srv.Client().Do(req)
				if err != nil {
					t.Fatalf("POST: %v", err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				return resp.StatusCode
			}
			for i := range 40 {
				if code := post("1"); code != http.StatusGatewayTimeout {
					t.Fatalf("request %d with %s: 1: status %d, want 504", i, kithttp.TimeoutHeader, code)
				}
			}
			if code := post(""); code != http.StatusOK {
				t.Errorf("the next legitimate caller: status %d, want 200", code)
			}
		})
	}
}

// TestTransportCallerErrorsDoNotCount calls real servers through kit's
// clients: a 400 from the HTTP client and an InvalidArgument from the gRPC
// client must not count for any breaker; a 5xx, Unavailable, a refused
// connection and this hop's own timeout must.
func TestTransportCallerErrorsDoNotCount(t *testing.T) {
	httpSrv := httptest.NewServer(kithttp.NewServer(
		func(ctx context.Context, req any) (any, error) {
			switch req.(string) {
			case "down":
				return nil, &kithttp.StatusError{Code: http.StatusServiceUnavailable, Err: errors.New("down")}
			case "slow":
				<-ctx.Done()
				return nil, ctx.Err()
			}
			return map[string]string{"ok": "yes"}, nil
		},
		func(_ context.Context, r *http.Request) (any, error) {
			q := r.URL.Query().Get("q")
			if q == "bad" {
				return nil, errors.New("bad is not a word") // 400
			}
			return q, nil
		},
		kithttp.EncodeJSONResponse))
	defer httpSrv.Close()
	httpClient := func(q string) endpoint.Endpoint {
		u, _ := url.Parse(httpSrv.URL + "?q=" + q)
		return kithttp.NewClient(http.MethodPost, u, kithttp.EncodeJSONRequest,
			kithttp.DecodeJSONResponse[map[string]string], kithttp.SetClient(httpSrv.Client())).Endpoint()
	}
	refused := func() endpoint.Endpoint {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close() // nothing listens there any more
		u, _ := url.Parse("http://" + addr)
		return kithttp.NewClient(http.MethodPost, u, kithttp.EncodeJSONRequest, kithttp.DecodeJSONResponse[map[string]string]).Endpoint()
	}()
	conn, stop := serveGRPC(t)
	grpcClient := kitgrpc.NewClient(conn, "test.Echo", "Upper",
		func(_ context.Context, req any) (any, error) { return wrapperspb.String(req.(string)), nil },
		func(_ context.Context, reply any) (any, error) { return reply, nil },
		&wrapperspb.StringValue{}).Endpoint()

	for _, tc := range []struct {
		name  string
		e     endpoint.Endpoint
		req   any
		count bool
	}{
		{"HTTP 400", httpClient("bad"), "x", false},
		{"gRPC InvalidArgument", grpcClient, "bad", false},
		{"HTTP 503", httpClient("down"), "x", true},
		{"HTTP connection refused", refused, "x", true},
		{"HTTP this hop's timeout", endpoint.Timeout(time.Millisecond)(httpClient("slow")), "x", true},
		{"gRPC Unknown", grpcClient, "plain", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, b := range breakers(nil) {
				e := b.mw(tc.e)
				var last error
				for range 30 {
					_, last = e(context.Background(), tc.req)
				}
				_, err := e(context.Background(), tc.req)
				if tripped := errors.Is(err, circuitbreaker.ErrOpen); tripped != tc.count {
					t.Errorf("%s after 30 calls failing with %v: err = %v; tripped = %v, want %v", b.name, last, err, tripped, tc.count)
				}
			}
		})
	}

	// The gRPC server goes away: Unavailable counts.
	stop()
	for _, b := range breakers(nil) {
		e := b.mw(grpcClient)
		var last error
		for range 30 {
			_, last = e(context.Background(), "abc")
		}
		if status.Code(last) != codes.Unavailable && !errors.Is(last, circuitbreaker.ErrOpen) {
			t.Fatalf("%s: call to a stopped gRPC server: err = %v, want Unavailable", b.name, last)
		}
		if _, err := e(context.Background(), "abc"); !errors.Is(err, circuitbreaker.ErrOpen) {
			t.Errorf("%s after 30 calls to a stopped gRPC server: err = %v, want ErrOpen", b.name, err)
		}
	}
}

// The gRPC service "test.Echo" is declared by hand: its one method Upper
// takes and returns a StringValue.

type echoServer interface {
	Upper(context.Context, *wrapperspb.StringValue) (*wrapperspb.StringValue, error)
}

var echoDesc = grpc.ServiceDesc{
	ServiceName: "test.Echo",
	HandlerType: (*echoServer)(nil),
	Methods: []grpc.MethodDesc{{
		MethodName: "Upper",
		Handler: func(srv any, ctx context.Context, dec func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
			in := new(wrapperspb.StringValue)
			if err := dec(in); err != nil {
				return nil, err
			}
			return srv.(echoServer).Upper(ctx, in)
		},
	}},
}

type echo struct{ upper kitgrpc.Handler }

func (s echo) Upper(ctx context.Context, req *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
	_, resp, err := s.upper.ServeGRPC(ctx, req)
	if err != nil {
		return nil, err
	}
	return resp.(*wrapperspb.StringValue), nil
}

// serveGRPC starts a real gRPC server on loopback whose decoder refuses
// "bad" (InvalidArgument) and whose endpoint fails "plain" with a plain
// error (Unknown). stop stops it; it is also stopped at cleanup.
func serveGRPC(t *testing.T) (conn *grpc.ClientConn, stop func()) {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := grpc.NewServer()
	s.RegisterService(&echoDesc, echo{upper: kitgrpc.NewServer(
		func(_ context.Context, req any) (any, error) {
			if req.(string) == "plain" {
				return nil, errors.New("boom")
			}
			return wrapperspb.String(strings.ToUpper(req.(string))), nil
		},
		func(_ context.Context, req any) (any, error) {
			v := req.(*wrapperspb.StringValue).Value
			if v == "bad" {
				return nil, errors.New("bad is not a word")
			}
			return v, nil
		},
		func(_ context.Context, resp any) (any, error) { return resp, nil })})
	done := make(chan struct{})
	go func() { defer close(done); _ = s.Serve(lis) }()
	var stopped bool
	stop = func() {
		if !stopped {
			stopped = true
			s.Stop()
			<-done
		}
	}
	t.Cleanup(stop)
	conn, err = grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn, stop
}
