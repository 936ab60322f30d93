package jwt_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	stdjwt "github.com/golang-jwt/jwt/v5"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/endpointkit/kit/auth/jwt"
	"github.com/endpointkit/kit/endpoint"
	kitgrpc "github.com/endpointkit/kit/transport/grpc"
	httptransport "github.com/endpointkit/kit/transport/http"
)

func hs256Parser(options ...jwt.ParserOption) endpoint.Middleware {
	return jwt.NewParser(func(*stdjwt.Token) (any, error) { return hmacKey, nil }, stdjwt.SigningMethodHS256, nil, options...)
}

// TestHTTPHeaders sends bad Authorization headers to a real kit HTTP
// server, each followed by a good request.
func TestHTTPHeaders(t *testing.T) {
	srv := httptest.NewUnstartedServer(httptransport.NewServer(hs256Parser()(subject),
		func(context.Context, *http.Request) (any, error) { return nil, nil },
		httptransport.EncodeJSONResponse,
		httptransport.ServerBefore(jwt.HTTPToContext())))
	srv.Config.MaxHeaderBytes = 4 << 20 // let a 1 MiB header reach the middleware
	srv.Start()
	defer srv.Close()
	good := sign(t, stdjwt.SigningMethodHS256, hmacKey, "", claims(nil))

	do := func(headers ...string) (int, string, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.URL, nil)
		for _, h := range headers {
			req.Header.Add("Authorization", h)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatalf("GET: %v", err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("WWW-Authenticate"), string(b)
	}
	for _, tc := range []struct {
		name      string
		headers   []string
		challenge string
	}{
		{"missing", nil, "Bearer"},
		{"empty", []string{""}, `Bearer error="invalid_request"`},
		{"basic scheme", []string{"Basic YTpi"}, `Bearer error="invalid_request"`},
		{"bearer without token", []string{"Bearer "}, `Bearer error="invalid_request"`},
		{"duplicated", []string{"Bearer " + good, "Bearer " + good}, `Bearer error="invalid_request"`},
		{"bad characters", []string{"Bearer a.b.c d"}, `Bearer error="invalid_request"`},
		{"oversized header", []string{"Bearer " + strings.Repeat("A", jwt.MaxHeaderBytes)}, `Bearer error="invalid_request"`},
		{"1 MiB token", []string{"Bearer " + strings.Repeat("A", 1<<20)}, `Bearer error="invalid_request"`},
		{"token over the parser's bound", []string{"Bearer " + good + strings.Repeat("A", jwt.DefaultMaxTokenBytes)}, `Bearer error="invalid_request"`},
		{"garbage token", []string{"Bearer x.y.z"}, `Bearer error="invalid_request"`},
		{"wrong key", []string{"Bearer " + sign(t, stdjwt.SigningMethodHS256, []byte("another key of thirty-two bytes!"), "", claims(nil))}, `Bearer error="invalid_token"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, challenge, body := do(tc.headers...)
			if code != http.StatusUnauthorized || challenge != tc.challenge {
				t.Errorf("status %d, WWW-Authenticate %q; want 401, %q", code, challenge, tc.challenge)
			}
			if strings.Contains(body, good[len(good)-16:]) {
				t.Errorf("body %q contains the token", body)
			}
			if code, _, body := do("Bearer " + good); code != 200 || !strings.Contains(body, "alice") {
				t.Errorf("good request after: %d %q", code, body)
			}
		})
	}
	// The scheme is case-insensitive (RFC 7235).
	if code, _, _ := do("bEaReR " + good); code != 200 {
		t.Errorf("lower/upper case scheme: status %d, want 200", code)
	}
}

func TestContextToHTTP(t *testing.T) {
	var got string
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Get("Authorization")
		_, _ = w.Write([]byte(`"ok"`))
	}))
	defer api.Close()
	u, _ := http.NewRequest("GET", api.URL, nil)
	client := httptransport.NewClient("GET", u.URL, httptransport.EncodeJSONRequest,
		httptransport.DecodeJSONResponse[string], httptransport.ClientBefore(jwt.ContextToHTTP()))
	e := jwt.NewSigner("k", hmacKey, stdjwt.SigningMethodHS256, claims(nil))(client.Endpoint())
	if _, err := e(context.Background(), nil); err != nil {
		t.Fatalf("call: %v", err)
	}
	tok, ok := strings.CutPrefix(got, "Bearer ")
	if !ok {
		t.Fatalf("Authorization = %q, want Bearer <token>", got)
	}
	if got, err := hs256Parser()(subject)(withToken(tok), nil); got != "alice" || err != nil {
		t.Errorf("the sent token does not verify: %v, %v", got, err)
	}
}

// The service "test.Echo" is declared by hand: one method Upper over
// StringValue.
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

// TestGRPC runs the parser behind a real gRPC server: a token sent with
// ContextToGRPC passes; a missing or bad one is Unauthenticated, a refused
// one PermissionDenied; and a kit client classifies both as caller errors.
func TestGRPC(t *testing.T) {
	onlyAdmin := jwt.ParserAuthorize(func(_ context.Context, c stdjwt.Claims) bool {
		return c.(stdjwt.MapClaims)["role"] == "admin"
	})
	h := kitgrpc.NewServer(hs256Parser(onlyAdmin)(subject),
		func(_ context.Context, req any) (any, error) { return req, nil },
		func(_ context.Context, resp any) (any, error) { return wrapperspb.String(resp.(string)), nil },
		kitgrpc.ServerBefore(jwt.GRPCToContext()))
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := grpc.NewServer()
	s.RegisterService(&echoDesc, echo{h})
	go func() { _ = s.Serve(lis) }()
	defer s.Stop()
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	call := func(signer endpoint.Middleware, md ...string) error {
		client := kitgrpc.NewClient(conn, "test.Echo", "Upper",
			func(_ context.Context, req any) (any, error) { return wrapperspb.String(""), nil },
			func(_ context.Context, reply any) (any, error) { return reply.(*wrapperspb.StringValue).Value, nil },
			&wrapperspb.StringValue{}, kitgrpc.ClientBefore(jwt.ContextToGRPC()))
		e := client.Endpoint()
		if signer != nil {
			e = signer(e)
		}
		ctx := context.Background()
		if len(md) > 0 {
			ctx = metadata.AppendToOutgoingContext(ctx, md...)
		}
		resp, err := e(ctx, nil)
		if err == nil && resp != "alice" {
			return errors.New("unexpected response")
		}
		return err
	}
	admin := jwt.NewSigner("", hmacKey, stdjwt.SigningMethodHS256, claims(func(c stdjwt.MapClaims) { c["role"] = "admin" }))
	user := jwt.NewSigner("", hmacKey, stdjwt.SigningMethodHS256, claims(nil))
	for _, tc := range []struct {
		name   string
		signer endpoint.Middleware
		md     []string
		want   codes.Code
	}{
		{"admin", admin, nil, codes.OK},
		{"no token", nil, nil, codes.Unauthenticated},
		{"garbage token", nil, []string{"authorization", "Bearer x.y.z"}, codes.Unauthenticated},
		{"two authorization values", nil, []string{"authorization", "Bearer a", "authorization", "Bearer b"}, codes.Unauthenticated},
		{"not an admin", user, nil, codes.PermissionDenied},
	} {
		err := call(tc.signer, tc.md...)
		if got := status.Code(err); got != tc.want {
			t.Errorf("%s: code %v (%v), want %v", tc.name, got, err, tc.want)
		}
		if err != nil {
			if o := endpoint.Classify(context.Background(), nil, err); o.Kind != endpoint.CallerError {
				t.Errorf("%s: client's Classify = %v, want caller_error", tc.name, o)
			}
		}
		if err := call(admin); err != nil {
			t.Errorf("good call after %s: %v", tc.name, err)
		}
	}
}

// FuzzHTTPToContext feeds arbitrary Authorization headers through the
// extraction glue and the parser: never a panic, a token in the context
// only when ExtractBearer accepts it, always a 401 for a garbage token, and
// no error that quotes the header.
func FuzzHTTPToContext(f *testing.F) {
	good := sign(f, stdjwt.SigningMethodHS256, hmacKey, "", claims(nil))
	for _, s := range []string{"Bearer " + good, "bearer a.b.c", "Bearer", "Bearer  x", "Basic YTpi", "", "Bearer e30.e30.", "Bearer ..", "Bearer eyJhbGciOiJub25lIn0.e30."} {
		f.Add(s, "")
		f.Add(s, s)
	}
	e := hs256Parser()(subject)
	f.Fuzz(func(t *testing.T, h1, h2 string) {
		r := httptest.NewRequest("GET", "/", nil)
		var values []string
		for _, h := range []string{h1, h2} {
			if h != "" {
				r.Header.Add("Authorization", h)
				values = append(values, h)
			}
		}
		ctx := jwt.HTTPToContext()(context.Background(), r)
		tok, inCtx := jwt.TokenFromContext(ctx)
		want, err := jwt.ExtractBearer(values)
		if (err == nil) != inCtx || (inCtx && tok != want) {
			t.Fatalf("HTTPToContext put %q (%v); ExtractBearer = %q, %v", tok, inCtx, want, err)
		}
		if err != nil && len(values) > 0 && !errors.Is(err, jwt.ErrTokenMalformed) {
			t.Fatalf("ExtractBearer(%q): err = %v, want ErrTokenMalformed", values, err)
		}
		resp, err := e(ctx, nil)
		if err == nil {
			if resp != "alice" {
				t.Fatalf("accepted %q with response %v", values, resp)
			}
			return
		}
		var je *jwt.Error
		if !errors.As(err, &je) || je.StatusCode() != http.StatusUnauthorized {
			t.Fatalf("headers %q: err = %v, want a 401 *jwt.Error", values, err)
		}
		for _, v := range values {
			if len(v) >= 16 && strings.Contains(err.Error(), v) {
				t.Fatalf("error %q quotes the header", err)
			}
		}
	})
}
