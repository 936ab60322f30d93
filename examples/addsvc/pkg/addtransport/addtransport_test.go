package addtransport_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/endpointkit/kit/examples/addsvc/pb"
	"github.com/endpointkit/kit/examples/addsvc/pkg/addendpoint"
	"github.com/endpointkit/kit/examples/addsvc/pkg/addservice"
	"github.com/endpointkit/kit/examples/addsvc/pkg/addtransport"
	"github.com/endpointkit/kit/internal/testenv"
	"github.com/endpointkit/kit/log"
	kitthrift "github.com/endpointkit/kit/transport/thrift"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// TestTransports builds the real service, serves it over every transport on
// loopback, and calls every method through every client.
func TestTransports(t *testing.T) {
	set := addendpoint.New(addservice.New(), log.NewNopLogger())

	httpSrv := httptest.NewServer(addtransport.NewHTTPHandler(set, log.NewNopLogger()))
	t.Cleanup(httpSrv.Close)
	rpcSrv := httptest.NewServer(addtransport.NewJSONRPCHandler(set, log.NewNopLogger()))
	t.Cleanup(rpcSrv.Close)

	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gs := grpc.NewServer()
	pb.RegisterAddServer(gs, addtransport.NewGRPCServer(set, log.NewNopLogger()))
	done := make(chan struct{})
	go func() { defer close(done); _ = gs.Serve(lis) }()
	t.Cleanup(func() { gs.Stop(); <-done })
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })

	httpClient, err := addtransport.NewHTTPClient(httpSrv.URL, httpSrv.Client())
	if err != nil {
		t.Fatal(err)
	}
	rpcClient, err := addtransport.NewJSONRPCClient(rpcSrv.URL, rpcSrv.Client())
	if err != nil {
		t.Fatal(err)
	}
	thriftClient, thriftCloser := addtransport.NewThriftClient(serveThrift(t, set, kitthrift.ConnSettings{}))
	t.Cleanup(func() { thriftCloser.Close() })
	clients := map[string]addservice.Service{
		"thrift":  thriftClient,
		"local":   set,
		"http":    httpClient,
		"jsonrpc": rpcClient,
		"grpc":    addtransport.NewGRPCClient(conn),
	}
	ctx := context.Background()
	long := strings.Repeat("x", addservice.MaxConcatLen)
	for name, svc := range clients {
		t.Run(name, func(t *testing.T) {
			if v, err := svc.Sum(ctx, 20, 22); v != 42 || err != nil {
				t.Errorf("Sum(20, 22) = %d, %v; want 42", v, err)
			}
			if _, err := svc.Sum(ctx, 1<<62, 1<<62); !errors.Is(err, addservice.ErrIntOverflow) {
				t.Errorf("Sum(2^62, 2^62): err = %v, want ErrIntOverflow", err)
			}
			if v, err := svc.Concat(ctx, "ab", "cd"); v != "abcd" || err != nil {
				t.Errorf("Concat(ab, cd) = %q, %v; want abcd", v, err)
			}
			if _, err := svc.Concat(ctx, long, "y"); !errors.Is(err, addservice.ErrMaxSizeExceeded) {
				t.Errorf("Concat(too long): err = %v, want ErrMaxSizeExceeded", err)
			}
		})
	}
}

// TestHTTPRoutingErrorsAreJSON checks that the HTTP handler's unknown paths
// and wrong methods are answered in JSON, like every other error.
func TestHTTPRoutingErrorsAreJSON(t *testing.T) {
	srv := httptest.NewServer(addtransport.NewHTTPHandler(addendpoint.New(addservice.New(), log.NewNopLogger()), log.NewNopLogger()))
	t.Cleanup(srv.Close)
	for _, tc := range []struct {
		method, path string
		want         string
	}{
		{"POST", "/mul", `404 {"error":"not found"}`},
		{"GET", "/sum", `405 {"error":"method not allowed"}`},
	} {
		req, _ := http.NewRequest(tc.method, srv.URL+tc.path, nil)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if got := strconv.Itoa(resp.StatusCode) + " " + strings.TrimSpace(string(b)); got != tc.want {
			t.Errorf("%s %s: got %s, want %s", tc.method, tc.path, got, tc.want)
		}
	}
}
