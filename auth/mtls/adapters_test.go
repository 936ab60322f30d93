package mtls_test

import (
	"context"
	"io"
	"log"
	"net"
	"net/http"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/endpointkit/kit/auth/mtls"
	"github.com/endpointkit/kit/internal/testcerts"
)

// TestHTTPHandler guards a plain http.Handler behind mTLS: the allowed
// identity is served with it in the context, another gets 403.
func TestHTTPHandler(t *testing.T) {
	p := newPKI(t)
	cfg, err := mtls.NewServerConfig(reloader(t, p.server), p.ca.File)
	if err != nil {
		t.Fatal(err)
	}
	h := mtls.HTTPHandler(mtls.Authorize(mtls.AllowNames(goodID)))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, _ := mtls.FromContext(r.Context())
		_, _ = io.WriteString(w, id.SPIFFEID)
	}))
	srv := serveTLS(t, h, cfg, log.New(io.Discard, "", 0))
	if code, body, err := get(t, srv.URL, p.clientConfig(t, p.good)); err != nil || code != 200 || body != goodID {
		t.Errorf("GET as %s: %d %q %v; want 200 and the SPIFFE ID", goodID, code, body, err)
	}
	if code, _, err := get(t, srv.URL, p.clientConfig(t, p.other)); err != nil || code != http.StatusForbidden {
		t.Errorf("GET as %s: %d %v; want 403", otherID, code, err)
	}
}

type upperImpl struct{}

func (upperImpl) Upper(ctx context.Context, _ *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
	id, _ := mtls.FromContext(ctx)
	return wrapperspb.String(id.SPIFFEID), nil
}

// TestGRPCInterceptors guards a plain grpc-go server: a unary call and a
// server stream (health Watch) pass for the allowed identity and are
// PermissionDenied for another.
func TestGRPCInterceptors(t *testing.T) {
	p := newPKI(t)
	cfg, err := mtls.NewServerConfig(reloader(t, p.server), p.ca.File)
	if err != nil {
		t.Fatal(err)
	}
	allow := mtls.Authorize(mtls.AllowNames(goodID))
	s := grpc.NewServer(grpc.Creds(credentials.NewTLS(cfg)),
		grpc.UnaryInterceptor(mtls.UnaryServerInterceptor(allow)),
		grpc.StreamInterceptor(mtls.StreamServerInterceptor(allow)))
	s.RegisterService(&echoDesc, upperImpl{})
	healthpb.RegisterHealthServer(s, health.NewServer())
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = s.Serve(lis) }()
	defer s.Stop()

	for _, tc := range []struct {
		name string
		pair testcerts.Pair
		want codes.Code
	}{
		{"allowed", p.good, codes.OK},
		{"not allowed", p.other, codes.PermissionDenied},
	} {
		conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(credentials.NewTLS(p.clientConfig(t, tc.pair))))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		out := new(wrapperspb.StringValue)
		err = conn.Invoke(ctx, "/test.Echo/Upper", wrapperspb.String(""), out)
		if status.Code(err) != tc.want || (err == nil && out.Value != goodID) {
			t.Errorf("%s: unary call = %q, %v; want %v", tc.name, out.Value, err, tc.want)
		}
		stream, err := healthpb.NewHealthClient(conn).Watch(ctx, &healthpb.HealthCheckRequest{})
		if err == nil {
			_, err = stream.Recv()
		}
		if status.Code(err) != tc.want {
			t.Errorf("%s: stream = %v; want %v", tc.name, err, tc.want)
		}
		cancel()
		conn.Close()
	}
}
