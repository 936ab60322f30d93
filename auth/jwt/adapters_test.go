package jwt_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	stdjwt "github.com/golang-jwt/jwt/v5"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/endpointkit/kit/auth/jwt"
)

func TestHTTPHandler(t *testing.T) {
	hello := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := jwt.ClaimsFromContext(r.Context())
		sub, _ := c.GetSubject()
		_, _ = io.WriteString(w, "hello "+sub)
	})
	srv := httptest.NewServer(jwt.HTTPHandler(hs256Parser())(hello))
	defer srv.Close()
	get := func(auth string) (int, string, string) {
		req, _ := http.NewRequest("GET", srv.URL, nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("WWW-Authenticate"), string(b)
	}
	if code, ch, _ := get(""); code != 401 || ch != "Bearer" {
		t.Errorf("no token: %d %q, want 401 Bearer", code, ch)
	}
	if code, ch, _ := get("Bearer x.y.z"); code != 401 || ch != `Bearer error="invalid_request"` {
		t.Errorf("garbage token: %d %q, want 401 invalid_request", code, ch)
	}
	if code, _, body := get("Bearer " + sign(t, stdjwt.SigningMethodHS256, hmacKey, "", claims(nil))); code != 200 || body != "hello alice" {
		t.Errorf("good token: %d %q, want 200 hello alice", code, body)
	}
}

type plainEcho struct{}

func (plainEcho) Upper(ctx context.Context, _ *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
	c, _ := jwt.ClaimsFromContext(ctx)
	sub, _ := c.GetSubject()
	return wrapperspb.String(sub), nil
}

// TestGRPCInterceptors serves a plain grpc-go service (unary) and grpc's
// health service (a stream) behind the interceptors.
func TestGRPCInterceptors(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := grpc.NewServer(grpc.UnaryInterceptor(jwt.UnaryServerInterceptor(hs256Parser())),
		grpc.StreamInterceptor(jwt.StreamServerInterceptor(hs256Parser())))
	s.RegisterService(&echoDesc, plainEcho{})
	hs := health.NewServer()
	healthpb.RegisterHealthServer(s, hs)
	go func() { _ = s.Serve(lis) }()
	defer s.Stop()
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	good := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+sign(t, stdjwt.SigningMethodHS256, hmacKey, "", claims(nil)))
	bad := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer x.y.z")
	for name, tc := range map[string]struct {
		ctx  context.Context
		want codes.Code
	}{"none": {context.Background(), codes.Unauthenticated}, "bad": {bad, codes.Unauthenticated}, "good": {good, codes.OK}} {
		out := new(wrapperspb.StringValue)
		err := conn.Invoke(tc.ctx, "/test.Echo/Upper", wrapperspb.String(""), out)
		if status.Code(err) != tc.want || (err == nil && out.Value != "alice") {
			t.Errorf("unary, %s token: %v (%q), want %v", name, err, out.GetValue(), tc.want)
		}
		ctx, cancel := context.WithCancel(tc.ctx)
		stream, err := healthpb.NewHealthClient(conn).Watch(ctx, &healthpb.HealthCheckRequest{})
		if err == nil {
			var resp *healthpb.HealthCheckResponse
			resp, err = stream.Recv()
			if err == nil && resp.Status != healthpb.HealthCheckResponse_SERVING {
				t.Errorf("stream, %s token: status %v, want SERVING", name, resp.Status)
			}
		}
		cancel()
		if status.Code(err) != tc.want {
			t.Errorf("stream, %s token: %v, want %v", name, err, tc.want)
		}
	}
	hs.Shutdown()
}
