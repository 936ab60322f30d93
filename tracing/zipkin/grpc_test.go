package zipkin_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/openzipkin/zipkin-go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/endpointkit/kit/internal/otelcoltest"
	kitzipkin "github.com/endpointkit/kit/tracing/zipkin"
	kitgrpc "github.com/endpointkit/kit/transport/grpc"
	"github.com/endpointkit/kit/transport/http/jsonrpc"
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

func upper(_ context.Context, req any) (any, error) {
	switch s := req.(string); s {
	case "notfound":
		return nil, status.Error(codes.NotFound, "no such thing")
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

func echoConn(t *testing.T, tracer *zipkin.Tracer) *grpc.ClientConn {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := grpc.NewServer()
	s.RegisterService(&echoDesc, echo{kitgrpc.NewServer(kitzipkin.TraceEndpoint(tracer, "Upper")(upper),
		passString, passString, kitzipkin.GRPCServerTrace(tracer))})
	done := make(chan struct{})
	go func() { defer close(done); _ = s.Serve(l) }()
	conn, err := grpc.NewClient(l.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(); s.Stop(); <-done })
	return conn
}

// TestGRPCTree: client span -> server span -> endpoint span over a real
// gRPC connection, read back from the collector's Zipkin receiver.
func TestGRPCTree(t *testing.T) {
	col := otelcoltest.Start(t)
	serverTracer, flushServer := collectorTracer(t, col, "echo-server", false)
	clientTracer, flushClient := collectorTracer(t, col, "echo-client", false)
	call := kitgrpc.NewClient(echoConn(t, serverTracer), "test.Echo", "Upper", passString, passString,
		&wrapperspb.StringValue{}, kitzipkin.GRPCClientTrace(clientTracer, kitzipkin.Name("test.Echo/Upper"))).Endpoint()

	cases := []struct {
		in, code       string
		client, server otelcoltest.StatusCode
	}{
		{"hi", "", otelcoltest.StatusUnset, otelcoltest.StatusUnset},
		{"notfound", "NotFound", otelcoltest.StatusError, otelcoltest.StatusUnset},
		{"boom", "Unknown", otelcoltest.StatusError, otelcoltest.StatusError},
	}
	for _, c := range cases {
		span, ctx := clientTracer.StartSpanFromContext(context.Background(), "root "+c.in)
		_, err := call(ctx, c.in)
		span.Finish()
		if (err == nil) != (c.code == "") {
			t.Errorf("Upper(%q): err = %v", c.in, err)
		}
	}
	flushClient()
	flushServer()
	spans := col.WaitCount(t, 4*len(cases))
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			tr := spans.Trace(spans.Find(t, "root "+c.in).TraceID)
			var client, server otelcoltest.Span
			for _, s := range tr.Named("test.echo/upper") {
				if s.Kind == otelcoltest.KindClient {
					client = s
				} else {
					server = s
				}
			}
			wantParent(t, server, client)
			wantParent(t, tr.Find(t, "upper"), server)
			if server.Kind != otelcoltest.KindServer {
				t.Errorf("server span kind %v", server.Kind)
			}
			if c.code != "" {
				wantAttrs(t, client, map[string]string{"grpc.status_code": c.code})
				wantAttrs(t, server, map[string]string{"grpc.status_code": c.code})
			}
			wantStatus(t, client, c.client)
			wantStatus(t, server, c.server)
		})
	}
}

// TestJSONRPCTree: a JSON-RPC client span named after the method -> the
// server span -> the endpoint span.
func TestJSONRPCTree(t *testing.T) {
	col := otelcoltest.Start(t)
	serverTracer, flushServer := collectorTracer(t, col, "rpc-server", false)
	clientTracer, flushClient := collectorTracer(t, col, "rpc-client", false)
	mux := http.NewServeMux()
	mux.Handle("POST /rpc", jsonrpc.NewServer(jsonrpc.EndpointCodecMap{
		"sum": {Endpoint: kitzipkin.TraceEndpoint(serverTracer, "sum.endpoint")(sum),
			Decode: jsonrpc.DecodeParams[sumRequest], Encode: jsonrpc.EncodeResult},
	}, kitzipkin.JSONRPCServerTrace(serverTracer)))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	u, _ := url.Parse(srv.URL + "/rpc")
	call := jsonrpc.NewClient(u, "sum", kitzipkin.JSONRPCClientTrace(clientTracer, "sum")).Endpoint()
	if _, err := call(context.Background(), sumRequest{A: 1, B: 2}); err != nil {
		t.Fatalf("sum(1, 2): %v", err)
	}
	flushClient()
	flushServer()
	spans := col.WaitCount(t, 3)
	client, server, ep := spans.Find(t, "sum"), spans.Find(t, "post /rpc"), spans.Find(t, "sum.endpoint")
	wantParent(t, server, client)
	wantParent(t, ep, server)
	wantAttrs(t, client, map[string]string{"http.status_code": "200"})
	wantAttrs(t, ep, map[string]string{"kit.outcome": "success"})
}
