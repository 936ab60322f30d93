package jwt_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/thrift/lib/go/thrift"
	stdjwt "github.com/golang-jwt/jwt/v5"

	"github.com/endpointkit/kit/auth/jwt"
	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/examples/addsvc/addthrift"
	"github.com/endpointkit/kit/internal/testenv"
	kitthrift "github.com/endpointkit/kit/transport/thrift"
)

// whoThrift implements the generated addthrift.Add: Concat answers the
// token's subject through a kit Server; Sum is not served.
type whoThrift struct{ concat kitthrift.Handler }

func (w whoThrift) Concat(ctx context.Context, _, _ string) (*addthrift.ConcatReply, error) {
	_, resp, err := w.concat.ServeThrift(ctx, nil)
	if err != nil {
		return nil, err
	}
	return &addthrift.ConcatReply{V: resp.(string)}, nil
}

func (whoThrift) Sum(context.Context, int64, int64) (*addthrift.SumReply, error) {
	return nil, errors.New("not served")
}

// serveWho serves the token's subject over THeader on a loopback port,
// through mw and ThriftToContext, and returns the address and a count of
// the calls the endpoint served.
func serveWho(t *testing.T, mw endpoint.Middleware) (string, *atomic.Int64) {
	t.Helper()
	var served atomic.Int64
	e := mw(func(ctx context.Context, req any) (any, error) {
		served.Add(1)
		return subject(ctx, req)
	})
	pass := func(_ context.Context, v any) (any, error) { return v, nil }
	srv := kitthrift.NewConnServer(addthrift.NewAddProcessor(whoThrift{
		kitthrift.NewServer(e, pass, pass, kitthrift.ServerBefore(jwt.ThriftToContext()))}), kitthrift.ConnSettings{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		if err := <-done; !errors.Is(err, kitthrift.ErrServerClosed) {
			t.Errorf("Serve = %v, want ErrServerClosed", err)
		}
	})
	return ln.Addr().String(), &served
}

func callConcat(ctx context.Context, c thrift.TClient, _ any) (any, error) {
	r, err := addthrift.NewAddClient(c).Concat(ctx, "", "")
	if err != nil {
		return nil, err
	}
	return r.V, nil
}

// whoClient returns a kit Thrift client of addr's Concat whose requests
// carry the headers set writes (after ContextToThrift's).
func whoClient(t *testing.T, addr string, set func(thrift.THeaderMap)) endpoint.Endpoint {
	t.Helper()
	opts := []kitthrift.ClientOption{kitthrift.ClientBefore(jwt.ContextToThrift())}
	if set != nil {
		opts = append(opts, kitthrift.ClientBefore(func(ctx context.Context, h thrift.THeaderMap) context.Context {
			set(h)
			return ctx
		}))
	}
	c := kitthrift.NewClient(addr, callConcat, opts...)
	t.Cleanup(func() { _ = c.Close() })
	return c.Endpoint()
}

// checkThriftRefusal checks that err is the exception typ, classified as
// the caller's error, and that its message does not quote the token.
func checkThriftRefusal(t *testing.T, name string, err error, typ int32, token string) {
	t.Helper()
	var ae *kitthrift.ApplicationError
	if !errors.As(err, &ae) {
		t.Fatalf("%s: err = %v (%T), want an *ApplicationError", name, err, err)
	}
	if ae.Type != typ {
		t.Errorf("%s: exception %s %q, want %s", name, kitthrift.ExceptionName(ae.Type), ae.Message, kitthrift.ExceptionName(typ))
	}
	if o := endpoint.Classify(context.Background(), nil, err); o.Kind != endpoint.CallerError || o.Retryable {
		t.Errorf("%s: classified %v, want a non-retryable CallerError", name, o)
	}
	if token != "" && strings.Contains(err.Error(), token) {
		t.Errorf("%s: error %q quotes the token", name, err)
	}
}

// TestThriftHeaders: a token signed by NewSigner travels from a kit Thrift
// client (ContextToThrift) to a kit Thrift server (ThriftToContext) in a
// THeader header; missing, duplicated, oversized (over MaxHeaderBytes) and malformed headers,
// and bad tokens, are refused with ExceptionUnauthenticated, a refusal by
// ParserAuthorize with ExceptionPermissionDenied; each is followed by a
// good call on the same server, which the endpoint serves.
func TestThriftHeaders(t *testing.T) {
	onlyAlice := jwt.ParserAuthorize(func(_ context.Context, c stdjwt.Claims) bool {
		sub, _ := c.GetSubject()
		return sub == "alice"
	})
	addr, served := serveWho(t, hs256Parser(onlyAlice))
	good := sign(t, stdjwt.SigningMethodHS256, hmacKey, "", claims(nil))
	bob := sign(t, stdjwt.SigningMethodHS256, hmacKey, "", claims(func(c stdjwt.MapClaims) { c["sub"] = "bob" }))
	expired := sign(t, stdjwt.SigningMethodHS256, hmacKey, "", claims(func(c stdjwt.MapClaims) { c["exp"] = time.Now().Add(-time.Hour).Unix() }))
	wrongKey := sign(t, stdjwt.SigningMethodHS256, []byte("another 32-byte secret, not ours"), "", claims(nil))
	// Over MaxHeaderBytes, under the 256 KiB of headers a THeader frame
	// carries (kit's client refuses to send more).
	huge := "Bearer " + strings.Repeat("a", jwt.MaxHeaderBytes)

	signed := jwt.NewSigner("", hmacKey, stdjwt.SigningMethodHS256, claims(nil))(whoClient(t, addr, nil))
	goodCall := func(after string) {
		t.Helper()
		before := served.Load()
		resp, err := signed(context.Background(), nil)
		if err != nil || resp != "alice" {
			t.Fatalf("good call after %s = %v, %v; want alice", after, resp, err)
		}
		if served.Load() != before+1 {
			t.Fatalf("good call after %s: endpoint not run", after)
		}
	}
	goodCall("nothing")

	for _, tc := range []struct {
		name  string
		set   func(thrift.THeaderMap)
		typ   int32
		token string
	}{
		{"no header", nil, kitthrift.ExceptionUnauthenticated, ""},
		{"two headers differing in case", func(h thrift.THeaderMap) {
			h["authorization"], h["Authorization"] = "Bearer "+good, "Bearer "+good
		}, kitthrift.ExceptionUnauthenticated, good},
		{"header over MaxHeaderBytes", func(h thrift.THeaderMap) { h["authorization"] = huge }, kitthrift.ExceptionUnauthenticated, ""},
		{"Basic scheme", func(h thrift.THeaderMap) { h["authorization"] = "Basic YWxpY2U6c2VjcmV0" }, kitthrift.ExceptionUnauthenticated, ""},
		{"empty token", func(h thrift.THeaderMap) { h["authorization"] = "Bearer " }, kitthrift.ExceptionUnauthenticated, ""},
		{"bad character", func(h thrift.THeaderMap) { h["authorization"] = "Bearer a b" }, kitthrift.ExceptionUnauthenticated, ""},
		{"not base64", func(h thrift.THeaderMap) { h["authorization"] = "Bearer " + "!!!.@@@.###" }, kitthrift.ExceptionUnauthenticated, ""},
		{"bad JSON", func(h thrift.THeaderMap) { h["authorization"] = "Bearer " + b64("{") + "." + b64("{") + ".c2ln" }, kitthrift.ExceptionUnauthenticated, ""},
		{"expired", func(h thrift.THeaderMap) { h["authorization"] = "Bearer " + expired }, kitthrift.ExceptionUnauthenticated, expired},
		{"wrong key", func(h thrift.THeaderMap) { h["Authorization"] = "Bearer " + wrongKey }, kitthrift.ExceptionUnauthenticated, wrongKey},
		{"not allowed", func(h thrift.THeaderMap) { h["AUTHORIZATION"] = "Bearer " + bob }, kitthrift.ExceptionPermissionDenied, bob},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := served.Load()
			_, err := whoClient(t, addr, tc.set)(context.Background(), nil)
			checkThriftRefusal(t, tc.name, err, tc.typ, tc.token)
			if served.Load() != before {
				t.Errorf("%s: the endpoint ran", tc.name)
			}
			goodCall(tc.name)
		})
	}
}

// TestThriftHeaderOverBinary: over a protocol without headers no token
// arrives, and the call is refused, not served.
func TestThriftHeaderOverBinary(t *testing.T) {
	addr, served := serveWho(t, hs256Parser())
	c := kitthrift.NewClient(addr, callConcat, kitthrift.ClientProtocol(kitthrift.ProtocolBinary),
		kitthrift.ClientBefore(jwt.ContextToThrift()))
	defer c.Close()
	e := jwt.NewSigner("", hmacKey, stdjwt.SigningMethodHS256, claims(nil))(c.Endpoint())
	_, err := e(context.Background(), nil)
	checkThriftRefusal(t, "binary protocol", err, kitthrift.ExceptionUnauthenticated, "")
	if served.Load() != 0 {
		t.Errorf("the endpoint ran %d times, want 0", served.Load())
	}
}

// pythonThriftClient calls Concat over THeader with the Authorization
// header given on its command line and prints the reply, or the
// exception's type.
const pythonThriftClient = `
import sys
sys.path.insert(0, sys.argv[1])
from thrift.Thrift import TApplicationException
from thrift.transport import TSocket
from thrift.protocol import THeaderProtocol
from thrift.transport.THeaderTransport import THeaderClientType
from addsvc import Add

sock = TSocket.TSocket(sys.argv[2], int(sys.argv[3]))
prot = THeaderProtocol.THeaderProtocolFactory(allowed_client_types=[THeaderClientType.HEADERS]).getProtocol(sock)
prot.trans.open()
prot.trans.set_header(b"authorization", sys.argv[4].encode())
try:
    print("reply=" + Add.Client(prot).Concat("", "").v)
except TApplicationException as e:
    print("exception=%d" % e.type)
`

// TestPythonThriftClientWithPyJWTToken: python3-thrift's THeader client
// sends a token minted by PyJWT (EdDSA, from a JWK Set PyJWT serialised)
// in the authorization header; kit's Thrift server verifies it against
// that key set. A token of the wrong audience is refused with
// ExceptionUnauthenticated.
func TestPythonThriftClientWithPyJWTToken(t *testing.T) {
	py, dir := testenv.PythonThrift(t, filepath.Join("..", "..", "examples", "addsvc", "addthrift", "addsvc.thrift"))
	now := time.Now().Unix()
	good := map[string]any{"sub": "carol", "iss": "https://idp.test/", "aud": "orders", "iat": now, "exp": now + 600}
	wrongAud := map[string]any{"sub": "carol", "iss": "https://idp.test/", "aud": "billing", "iat": now, "exp": now + 600}
	var minted struct {
		JWKS   json.RawMessage   `json:"jwks"`
		Tokens map[string]string `json:"tokens"`
	}
	pyjwt(t, map[string]any{"op": "mint", "keys": map[string]string{"ed": "Ed25519"},
		"tokens": map[string]any{
			"good":     map[string]any{"alg": "EdDSA", "kid": "ed", "claims": good},
			"wrongAud": map[string]any{"alg": "EdDSA", "kid": "ed", "claims": wrongAud},
		}}, &minted)
	// PyJWT's JWK Set, served by a real HTTP server.
	idp := httptest.NewServer(&keyServer{status: 200, doc: minted.JWKS})
	defer idp.Close()
	keys := jwt.NewJWKS(idp.URL, jwt.JWKSSettings{})
	defer keys.Close()
	addr, _ := serveWho(t, jwt.NewParser(keys.Keyfunc, stdjwt.SigningMethodEdDSA, nil,
		jwt.ParserIssuer("https://idp.test/"), jwt.ParserAudience("orders")))

	script := filepath.Join(dir, "client.py")
	if err := os.WriteFile(script, []byte(pythonThriftClient), 0o644); err != nil {
		t.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(addr)
	run := func(header string) string {
		t.Helper()
		out, err := exec.Command(py, script, dir, host, port, header).CombinedOutput()
		if err != nil {
			t.Fatalf("python client: %v\n%s", err, out)
		}
		return strings.TrimSpace(string(out))
	}
	if got := run("Bearer " + minted.Tokens["good"]); got != "reply=carol" {
		t.Errorf("PyJWT token over python3-thrift: %q, want reply=carol", got)
	}
	want := "exception=" + strconv.Itoa(int(kitthrift.ExceptionUnauthenticated))
	if got := run("Bearer " + minted.Tokens["wrongAud"]); got != want {
		t.Errorf("PyJWT token of the wrong audience: %q, want %s", got, want)
	}
	if got := run("Bearer " + minted.Tokens["good"]); got != "reply=carol" {
		t.Errorf("good token after a refusal: %q, want reply=carol", got)
	}
}

// FuzzThriftToContext: whatever THeader headers arrive (two names that
// match ThriftHeader in different cases, any values), ThriftToContext puts
// in the context what ExtractBearer accepts, and the parser answers the
// token's subject or a 401 *jwt.Error; never a panic.
func FuzzThriftToContext(f *testing.F) {
	good := sign(f, stdjwt.SigningMethodHS256, hmacKey, "", claims(nil))
	for _, s := range []string{"Bearer " + good, "bearer a.b.c", "Bearer", "Basic YTpi", "", "Bearer e30.e30."} {
		f.Add("authorization", s, "", "")
		f.Add("Authorization", s, "AUTHORIZATION", s)
		f.Add("authorization", s, "traceparent", "00-x")
	}
	e := hs256Parser()(subject)
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string) {
		h := thrift.THeaderMap{k1: v1, k2: v2}
		var values []string
		for k, v := range h {
			if strings.EqualFold(k, jwt.ThriftHeader) {
				values = append(values, v)
			}
		}
		ctx := jwt.ThriftToContext()(context.Background(), h)
		tok, inCtx := jwt.TokenFromContext(ctx)
		want, err := jwt.ExtractBearer(values)
		if (err == nil) != inCtx || (inCtx && tok != want) {
			t.Fatalf("ThriftToContext put %q (%v); ExtractBearer = %q, %v", tok, inCtx, want, err)
		}
		resp, err := e(ctx, nil)
		if err == nil {
			if resp != "alice" {
				t.Fatalf("accepted %q with response %v", values, resp)
			}
			return
		}
		var je *jwt.Error
		if !errors.As(err, &je) || je.StatusCode() != 401 {
			t.Fatalf("headers %q: err = %v, want a 401 *jwt.Error", h, err)
		}
	})
}
