package mtls_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/endpointkit/kit/auth/mtls"
	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/internal/testcerts"
	kitgrpc "github.com/endpointkit/kit/transport/grpc"
	kithttp "github.com/endpointkit/kit/transport/http"
)

const (
	goodID  = "spiffe://example.org/billing"
	otherID = "spiffe://example.org/intruder"
)

// pki is one test's certificates: a CA with a server and client leaves, and
// a second CA nobody trusts.
type pki struct {
	dir                                   string
	ca, rogue                             *testcerts.CA
	server                                testcerts.Pair
	good, other, expired, notYet, wrongCA testcerts.Pair
	wrongSAN                              testcerts.Pair // a server cert for another name

	handshakeLog syncBuffer // the HTTP server's error log
}

func newPKI(t *testing.T) *pki {
	t.Helper()
	dir := t.TempDir()
	p := &pki{dir: dir, ca: testcerts.NewCA(t, dir, "ca"), rogue: testcerts.NewCA(t, dir, "rogue")}
	lo := []net.IP{net.IPv4(127, 0, 0, 1)}
	p.server = p.ca.Issue(t, dir, "server", testcerts.Leaf{CommonName: "server", DNSNames: []string{"localhost"}, IPs: lo})
	p.wrongSAN = p.ca.Issue(t, dir, "wrongsan", testcerts.Leaf{CommonName: "elsewhere", DNSNames: []string{"elsewhere.example"}})
	client := func(name, uri string, nb, na time.Time) testcerts.Pair {
		return p.ca.Issue(t, dir, name, testcerts.Leaf{CommonName: name, DNSNames: []string{name + ".example.org"}, URIs: []string{uri}, NotBefore: nb, NotAfter: na, Client: true})
	}
	now := time.Now()
	p.good = client("billing", goodID, time.Time{}, time.Time{})
	p.other = client("intruder", otherID, time.Time{}, time.Time{})
	p.expired = client("expired", goodID, now.Add(-48*time.Hour), now.Add(-24*time.Hour))
	p.notYet = client("notyet", goodID, now.Add(24*time.Hour), now.Add(48*time.Hour))
	p.wrongCA = p.rogue.Issue(t, dir, "wrongca", testcerts.Leaf{CommonName: "billing", URIs: []string{goodID}, Client: true})
	return p
}

func reloader(t *testing.T, pair testcerts.Pair) *mtls.Reloader {
	t.Helper()
	r, err := mtls.NewReloader(pair.CertFile, pair.KeyFile, mtls.ReloaderSettings{})
	if err != nil {
		t.Fatalf("NewReloader(%s): %v", pair.CertFile, err)
	}
	return r
}

// clientConfig trusts p.ca and presents pair (none when pair is zero).
func (p *pki) clientConfig(t *testing.T, pair testcerts.Pair) *tls.Config {
	t.Helper()
	var r *mtls.Reloader
	if pair.CertFile != "" {
		r = reloader(t, pair)
	}
	c, err := mtls.NewClientConfig(p.ca.File, r)
	if err != nil {
		t.Fatalf("NewClientConfig: %v", err)
	}
	c.ServerName = "localhost"
	return c
}

// whoami answers with the SPIFFE ID of the caller.
func whoami(ctx context.Context, _ any) (any, error) {
	id, _ := mtls.FromContext(ctx)
	return id.SPIFFEID, nil
}

// startHTTP serves whoami over mTLS behind Authorize(goodID); serverPair
// is the server's certificate.
func startHTTP(t *testing.T, p *pki, serverPair testcerts.Pair) *tlsServer {
	t.Helper()
	cfg, err := mtls.NewServerConfig(reloader(t, serverPair), p.ca.File)
	if err != nil {
		t.Fatalf("NewServerConfig: %v", err)
	}
	h := kithttp.NewServer(mtls.Authorize(mtls.AllowNames(goodID))(whoami),
		func(context.Context, *http.Request) (any, error) { return nil, nil },
		func(_ context.Context, w http.ResponseWriter, resp any) error {
			_, err := io.WriteString(w, resp.(string))
			return err
		},
		kithttp.ServerBefore(mtls.HTTPToContext()))
	return serveTLS(t, h, cfg, log.New(&p.handshakeLog, "", 0))
}

// newTLSServer serves 200 OK with cfg.
func newTLSServer(t *testing.T, cfg *tls.Config) *tlsServer {
	t.Helper()
	return serveTLS(t, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}), cfg, log.New(io.Discard, "", 0))
}

// tlsServer is an HTTPS server on a loopback port.
type tlsServer struct {
	URL  string // https://127.0.0.1:port
	Addr string // 127.0.0.1:port
}

// serveTLS serves h with cfg until the test ends. Not httptest's StartTLS:
// it adds its own certificate to cfg.Certificates, which a client sending
// no SNI (openssl s_client to an IP address) would be given instead of
// GetCertificate's.
func serveTLS(t *testing.T, h http.Handler, cfg *tls.Config, errorLog *log.Logger) *tlsServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ErrorLog: errorLog, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(tls.NewListener(ln, cfg))
	}()
	t.Cleanup(func() {
		_ = srv.Close()
		<-done
	})
	return &tlsServer{URL: "https://" + ln.Addr().String(), Addr: ln.Addr().String()}
}

func get(t *testing.T, url string, cfg *tls.Config) (int, string, error) {
	t.Helper()
	tr := &http.Transport{TLSClientConfig: cfg}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr, Timeout: 10 * time.Second}).Get(url)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// TestHTTP calls a real loopback HTTPS server requiring client
// certificates: the good client gets through with its SPIFFE ID in the
// context; no certificate, an expired, a not-yet-valid or a foreign-CA one
// fail the handshake; an unlisted identity gets 403; and after each, a good
// request still succeeds.
func TestHTTP(t *testing.T) {
	p := newPKI(t)
	srv := startHTTP(t, p, p.server)
	for _, tc := range []struct {
		name     string
		pair     testcerts.Pair
		wantCode int // 0: the handshake must fail
	}{
		{"good", p.good, 200},
		{"no client certificate", testcerts.Pair{}, 0},
		{"expired", p.expired, 0},
		{"not yet valid", p.notYet, 0},
		{"wrong CA", p.wrongCA, 0},
		{"unauthorised identity", p.other, 403},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p.handshakeLog.Reset()
			code, body, err := get(t, srv.URL, p.clientConfig(t, tc.pair))
			if tc.wantCode == 0 && !p.handshakeLog.waitFor("TLS handshake error", 10*time.Second) {
				t.Errorf("server log after %s: %q, want a TLS handshake error", tc.name, p.handshakeLog.String())
			}
			switch {
			case tc.wantCode == 0 && err == nil:
				t.Errorf("GET with %s: status %d, want a failed handshake", tc.name, code)
			case tc.wantCode == 0 && !strings.Contains(err.Error(), "tls"):
				t.Errorf("GET with %s: err = %v, want a TLS alert", tc.name, err)
			case tc.wantCode != 0 && (err != nil || code != tc.wantCode):
				t.Errorf("GET with %s: %d, %v; want %d", tc.name, code, err, tc.wantCode)
			case tc.wantCode == 200 && body != goodID:
				t.Errorf("GET with %s: body %q, want the SPIFFE ID %q", tc.name, body, goodID)
			}
			if code, body, err := get(t, srv.URL, p.clientConfig(t, p.good)); err != nil || code != 200 || body != goodID {
				t.Errorf("good GET after %s: %d %q %v", tc.name, code, body, err)
			}
		})
	}
}

// TestHTTPWrongServerSAN: a client refuses a server whose certificate does
// not name the address it dialled.
func TestHTTPWrongServerSAN(t *testing.T) {
	p := newPKI(t)
	srv := startHTTP(t, p, p.wrongSAN)
	_, _, err := get(t, srv.URL, p.clientConfig(t, p.good))
	var hostErr x509.HostnameError
	if err == nil || !errors.As(err, &hostErr) {
		t.Fatalf("GET from a server certified for another name: err = %v, want a hostname error", err)
	}
}

// echo is the hand-declared gRPC service "test.Echo" with one method,
// Upper, over StringValue.
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

type echo struct{ h kitgrpc.Handler }

func (s echo) Upper(ctx context.Context, req *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
	_, resp, err := s.h.ServeGRPC(ctx, req)
	if err != nil {
		return nil, err
	}
	return resp.(*wrapperspb.StringValue), nil
}

// TestGRPC is TestHTTP over a real gRPC server with credentials.NewTLS:
// bad certificates fail the handshake (Unavailable at the client), an
// unlisted identity is PermissionDenied and a caller error, and a good call
// follows each.
func TestGRPC(t *testing.T) {
	p := newPKI(t)
	cfg, err := mtls.NewServerConfig(reloader(t, p.server), p.ca.File)
	if err != nil {
		t.Fatal(err)
	}
	h := kitgrpc.NewServer(mtls.Authorize(mtls.AllowNames(goodID))(whoami),
		func(_ context.Context, req any) (any, error) { return req, nil },
		func(_ context.Context, resp any) (any, error) { return wrapperspb.String(resp.(string)), nil },
		kitgrpc.ServerBefore(mtls.GRPCToContext()))
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := grpc.NewServer(grpc.Creds(credentials.NewTLS(cfg)))
	s.RegisterService(&echoDesc, echo{h})
	go func() { _ = s.Serve(lis) }()
	defer s.Stop()

	call := func(pair testcerts.Pair) (string, error) {
		conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(credentials.NewTLS(p.clientConfig(t, pair))))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		client := kitgrpc.NewClient(conn, "test.Echo", "Upper",
			func(context.Context, any) (any, error) { return wrapperspb.String(""), nil },
			func(_ context.Context, reply any) (any, error) { return reply.(*wrapperspb.StringValue).Value, nil },
			&wrapperspb.StringValue{})
		resp, err := client.Endpoint()(ctx, nil)
		s, _ := resp.(string)
		return s, err
	}
	for _, tc := range []struct {
		name string
		pair testcerts.Pair
		want codes.Code
	}{
		{"good", p.good, codes.OK},
		{"no client certificate", testcerts.Pair{}, codes.Unavailable},
		{"expired", p.expired, codes.Unavailable},
		{"not yet valid", p.notYet, codes.Unavailable},
		{"wrong CA", p.wrongCA, codes.Unavailable},
		{"unauthorised identity", p.other, codes.PermissionDenied},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := call(tc.pair)
			if c := status.Code(err); c != tc.want {
				t.Fatalf("call with %s: %v (%v), want %v", tc.name, c, err, tc.want)
			}
			if tc.want == codes.OK && got != goodID {
				t.Errorf("call with %s: %q, want %q", tc.name, got, goodID)
			}
			if tc.want == codes.PermissionDenied {
				if o := endpoint.Classify(context.Background(), nil, err); o.Kind != endpoint.CallerError {
					t.Errorf("Classify(PermissionDenied) = %v, want caller_error", o)
				}
			}
			if got, err := call(p.good); err != nil || got != goodID {
				t.Errorf("good call after %s: %q, %v", tc.name, got, err)
			}
		})
	}
}

// TestPlaintextIsUnauthenticated: over plaintext HTTP there is no peer
// identity, and Authorize answers 401.
func TestPlaintextIsUnauthenticated(t *testing.T) {
	h := kithttp.NewServer(mtls.Authorize(mtls.AllowNames(goodID))(whoami),
		func(context.Context, *http.Request) (any, error) { return nil, nil },
		func(_ context.Context, w http.ResponseWriter, resp any) error {
			_, err := io.WriteString(w, resp.(string))
			return err
		},
		kithttp.ServerBefore(mtls.HTTPToContext()))
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("plaintext GET: status %d, want 401", resp.StatusCode)
	}
}

func BenchmarkHTTPToContext(b *testing.B) {
	dir := b.TempDir()
	ca := testcerts.NewCA(b, dir, "ca")
	pair := ca.Issue(b, dir, "c", testcerts.Leaf{CommonName: "c", URIs: []string{goodID}, Client: true})
	c, err := tls.X509KeyPair(pair.CertPEM, pair.KeyPEM)
	if err != nil {
		b.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.TLS = &tls.ConnectionState{VerifiedChains: [][]*x509.Certificate{{c.Leaf, ca.Cert}}}
	before := mtls.HTTPToContext()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := mtls.FromContext(before(ctx, r)); !ok {
			b.Fatal("no identity")
		}
	}
}
