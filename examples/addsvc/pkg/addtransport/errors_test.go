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
	"sync"
	"sync/atomic"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/examples/addsvc/pb"
	"github.com/endpointkit/kit/examples/addsvc/pkg/addendpoint"
	"github.com/endpointkit/kit/examples/addsvc/pkg/addservice"
	"github.com/endpointkit/kit/examples/addsvc/pkg/addtransport"
	"github.com/endpointkit/kit/log"
	"github.com/endpointkit/kit/log/level"
	"github.com/endpointkit/kit/ratelimit"
	kithttp "github.com/endpointkit/kit/transport/http"
)

// TestLimitedStatus checks what a call refused by a limiter looks like on
// each transport: Sum is refused by a rate limit (ErrLimited), Concat by a
// concurrency limit (ErrInFlight), and a call that fails otherwise keeps the
// transports' usual status. It checks too that the transports log a refusal
// at level warn and any other failure at level error.
func TestLimitedStatus(t *testing.T) {
	boom := errors.New("boom")
	var fail atomic.Pointer[error] // the error of the next calls; nil: run them
	set := addendpoint.New(addservice.New(), log.NewNopLogger()).Wrap(func(string) endpoint.Middleware {
		return func(next endpoint.Endpoint) endpoint.Endpoint {
			return func(ctx context.Context, req any) (any, error) {
				if err := fail.Load(); err != nil {
					return nil, *err
				}
				return next(ctx, req)
			}
		}
	})

	// levels records the level of every line the transports log.
	var (
		mu     sync.Mutex
		levels []string
	)
	logger := log.LoggerFunc(func(keyvals ...any) error {
		lvl := "none"
		for i := 0; i+1 < len(keyvals); i += 2 {
			if keyvals[i] == level.Key() {
				lvl = keyvals[i+1].(level.Value).String()
			}
		}
		mu.Lock()
		defer mu.Unlock()
		levels = append(levels, lvl)
		return nil
	})
	takeLevels := func() []string {
		mu.Lock()
		defer mu.Unlock()
		l := levels
		levels = nil
		return l
	}

	httpSrv := httptest.NewServer(addtransport.NewHTTPHandler(set, logger))
	t.Cleanup(httpSrv.Close)
	rpcSrv := httptest.NewServer(addtransport.NewJSONRPCHandler(set, logger))
	t.Cleanup(rpcSrv.Close)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gs := grpc.NewServer()
	pb.RegisterAddServer(gs, addtransport.NewGRPCServer(set, logger))
	done := make(chan struct{})
	go func() { defer close(done); _ = gs.Serve(lis) }()
	t.Cleanup(func() { gs.Stop(); <-done })
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	grpcClient := addtransport.NewGRPCClient(conn)
	httpClient, err := addtransport.NewHTTPClient(httpSrv.URL, httpSrv.Client())
	if err != nil {
		t.Fatal(err)
	}

	post := func(t *testing.T, url, body string) (int, http.Header, string) {
		t.Helper()
		resp, err := httpSrv.Client().Post(url, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, string(b)
	}
	ctx := context.Background()
	for _, tc := range []struct {
		name       string
		fail       error
		wantHTTP   int
		wantRPC    string // in the JSON-RPC body
		wantGRPC   codes.Code
		retryAfter string
		wantLevel  string // of every line logged by the servers
	}{
		{"rate limited", ratelimit.ErrLimited, http.StatusTooManyRequests, `"code":` + strconv.Itoa(addtransport.LimitedErrorCode), codes.ResourceExhausted, "1", "warn"},
		{"too many in flight", ratelimit.ErrInFlight, http.StatusTooManyRequests, `"code":` + strconv.Itoa(addtransport.LimitedErrorCode), codes.ResourceExhausted, "1", "warn"},
		{"other error", boom, http.StatusInternalServerError, `"code":-32603`, codes.Unknown, "", "error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fail.Store(&tc.fail)
			defer fail.Store(nil)
			takeLevels()
			method := "sum"
			if tc.fail == ratelimit.ErrInFlight {
				method = "concat"
			}
			params := `{"a":1,"b":2}`
			if method == "concat" {
				params = `{"a":"x","b":"y"}`
			}

			code, h, body := post(t, httpSrv.URL+"/"+method, params)
			if code != tc.wantHTTP || h.Get("Retry-After") != tc.retryAfter {
				t.Errorf("HTTP /%s: %d Retry-After %q %s, want %d Retry-After %q", method, code, h.Get("Retry-After"), body, tc.wantHTTP, tc.retryAfter)
			}
			code, _, body = post(t, rpcSrv.URL, `{"jsonrpc":"2.0","method":"`+method+`","params":`+params+`,"id":1}`)
			if code != tc.wantHTTP || !strings.Contains(body, tc.wantRPC) {
				t.Errorf("JSON-RPC %s: %d %s, want %d with %s", method, code, body, tc.wantHTTP, tc.wantRPC)
			}
			var gerr error
			if method == "sum" {
				_, gerr = grpcClient.Sum(ctx, 1, 2)
			} else {
				_, gerr = grpcClient.Concat(ctx, "x", "y")
			}
			if status.Code(gerr) != tc.wantGRPC {
				t.Errorf("gRPC %s: err = %v, want code %v", method, gerr, tc.wantGRPC)
			}
			if method == "sum" {
				var re *kithttp.ResponseError
				if _, err := httpClient.Sum(ctx, 1, 2); !errors.As(err, &re) || re.Code != tc.wantHTTP {
					t.Errorf("HTTP client Sum: err = %v, want a ResponseError with %d", err, tc.wantHTTP)
				}
			}
			// Each server logs before it answers: one line per failed call
			// of HTTP, JSON-RPC and gRPC, and of the HTTP client for Sum.
			wantLines := 3
			if method == "sum" {
				wantLines = 4
			}
			got := takeLevels()
			if len(got) != wantLines {
				t.Errorf("logged %d lines %v, want %d", len(got), got, wantLines)
			}
			for _, l := range got {
				if l != tc.wantLevel {
					t.Errorf("logged levels %v, want all %s", got, tc.wantLevel)
					break
				}
			}
		})
	}
}
