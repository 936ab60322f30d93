package otel_test

import (
	"context"
	"errors"
	"net"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/internal/otelcoltest"
	"github.com/endpointkit/kit/tracing/otel"
	kitgrpc "github.com/endpointkit/kit/transport/grpc"
	"go.opentelemetry.io/otel/trace"
)

// The gRPC service under test, "test.Echo", is declared by hand: its one
// method Upper takes and returns a StringValue.
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

type echo struct{ h kitgrpc.Handler }

func (e echo) Upper(ctx context.Context, req *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
	_, resp, err := e.h.ServeGRPC(ctx, req)
	if err != nil {
		return nil, err
	}
	return resp.(*wrapperspb.StringValue), nil
}

// upper fails for magic inputs: "notfound" is the caller's error, "boom"
// the server's. (endpoint.Classify does not read gRPC status codes, so the
// endpoint says whose error NotFound is.)
func upper(_ context.Context, req any) (any, error) {
	switch s := req.(string); s {
	case "notfound":
		return nil, endpoint.WithOutcome(status.Error(codes.NotFound, "no such thing"),
			endpoint.Outcome{Kind: endpoint.CallerError})
	case "boom":
		return nil, errors.New("boom")
	default:
		return s + "!", nil
	}
}

func passString(_ context.Context, v any) (any, error) {
	if sv, ok := v.(*wrapperspb.StringValue); ok {
		return sv.Value, nil
	}
	return wrapperspb.String(v.(string)), nil
}

// echoConn serves upper traced with tp and returns a connection to it.
func echoConn(t *testing.T, tp trace.TracerProvider) *grpc.ClientConn {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := grpc.NewServer()
	s.RegisterService(&echoDesc, echo{kitgrpc.NewServer(otel.TraceEndpoint(tp, "Upper")(upper),
		passString, passString, otel.GRPCServerTrace(tp))})
	done := make(chan struct{})
	go func() { defer close(done); _ = s.Serve(l) }()
	conn, err := grpc.NewClient(l.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(); s.Stop(); <-done })
	return conn
}

func echoClient(tp trace.TracerProvider, conn *grpc.ClientConn) endpoint.Endpoint {
	return kitgrpc.NewClient(conn, "test.Echo", "Upper", passString, passString,
		&wrapperspb.StringValue{}, otel.GRPCClientTrace(tp, "test.Echo", "Upper")).Endpoint()
}

// TestGRPCTree: client span -> server span -> endpoint span over a real
// gRPC connection, read back from a real collector, for a success, a
// caller's error and a server's error.
func TestGRPCTree(t *testing.T) {
	col := otelcoltest.Start(t)
	serverTP := collectorProvider(t, col, "echo-server")
	clientTP := collectorProvider(t, col, "echo-client")
	call := echoClient(clientTP, echoConn(t, serverTP))

	cases := []struct {
		in, code           string
		client, server, ep otelcoltest.StatusCode
		outcome            string
	}{
		{"hi", "OK", otelcoltest.StatusUnset, otelcoltest.StatusUnset, otelcoltest.StatusUnset, "success"},
		{"notfound", "NOT_FOUND", otelcoltest.StatusError, otelcoltest.StatusUnset, otelcoltest.StatusUnset, "caller_error"},
		{"boom", "UNKNOWN", otelcoltest.StatusError, otelcoltest.StatusError, otelcoltest.StatusError, "dependency_failure"},
	}
	for _, c := range cases {
		ctx, root := clientTP.Tracer("test").Start(context.Background(), "root "+c.in)
		resp, err := call(ctx, c.in)
		root.End()
		if (err == nil) != (c.code == "OK") {
			t.Errorf("Upper(%q) = %v, %v", c.in, resp, err)
		}
	}
	flush(t, clientTP, serverTP)
	spans := col.WaitCount(t, 4*len(cases))
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			tr := spans.Trace(spans.Find(t, "root "+c.in).TraceID)
			var client, server otelcoltest.Span
			for _, s := range tr.Named("test.Echo/Upper") {
				switch s.Kind {
				case otelcoltest.KindClient:
					client = s
				case otelcoltest.KindServer:
					server = s
				}
			}
			ep := tr.Find(t, "Upper")
			wantParent(t, server, client)
			wantParent(t, ep, server)
			want := map[string]string{"rpc.system.name": "grpc", "rpc.method": "test.Echo/Upper", "rpc.response.status_code": c.code}
			wantAttrs(t, client, want)
			wantAttrs(t, server, want)
			if server.Attrs["network.peer.address"] == "" {
				t.Errorf("server span has no network.peer.address")
			}
			wantAttrs(t, ep, map[string]string{"kit.outcome": c.outcome})
			wantStatus(t, client, c.client)
			wantStatus(t, server, c.server)
			wantStatus(t, ep, c.ep)
		})
	}
}
