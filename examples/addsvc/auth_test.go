package addsvc_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	stdjwt "github.com/golang-jwt/jwt/v5"

	"github.com/endpointkit/kit/internal/testcerts"
	"github.com/endpointkit/kit/internal/testenv"
)

// curlStatus posts body to url with curl and returns the HTTP status and
// the response's headers and body.
func curlStatus(t *testing.T, curl, url, body string, extra ...string) (int, string) {
	t.Helper()
	args := append([]string{"-sS", "--max-time", "10", "-o", "-", "-D", "-", "-w", "\nstatus=%{http_code}",
		"-H", "Content-Type: application/json", "-d", body}, extra...)
	out, code := run(t, curl, append(args, url)...)
	if code != 0 {
		t.Fatalf("curl %s: exit %d: %s", url, code, out)
	}
	i := strings.LastIndex(out, "status=")
	if i < 0 {
		t.Fatalf("curl %s: no status in %q", url, out)
	}
	status, err := strconv.Atoi(strings.TrimSpace(out[i+len("status="):]))
	if i < 0 || err != nil {
		t.Fatalf("curl %s: no status in %q", url, out)
	}
	return status, out[:i]
}

// TestAuthorizeByCertificate starts the real addsvc with mutual TLS and
// -auth.allow naming one client identity (a SPIFFE ID): a caller whose
// certificate names it is served over HTTP, JSON-RPC and gRPC (curl,
// addcli, grpcurl); a caller with a certificate of the same CA naming
// another identity is refused 403 / PermissionDenied / JSON-RPC -32602
// with 403, and the server serves the allowed caller after each refusal.
// The Thrift listener has no TLS: its calls are refused as
// unauthenticated.
func TestAuthorizeByCertificate(t *testing.T) {
	curl := testenv.LookPath(t, "curl")
	grpcurl := testenv.LookPath(t, "grpcurl")
	addsvcBin, addcli := build(t)
	dir := t.TempDir()
	ca := testcerts.NewCA(t, dir, "ca")
	server := ca.Issue(t, dir, "server", testcerts.Leaf{CommonName: "addsvc", DNSNames: []string{"localhost"}, IPs: []net.IP{net.IPv4(127, 0, 0, 1)}})
	allowed := ca.Issue(t, dir, "allowed", testcerts.Leaf{CommonName: "addcli", URIs: []string{"spiffe://example.org/addcli"}, Client: true})
	other := ca.Issue(t, dir, "other", testcerts.Leaf{CommonName: "intruder", URIs: []string{"spiffe://example.org/intruder"}, Client: true})

	p := start(t, addsvcBin, "-tls.cert", server.CertFile, "-tls.key", server.KeyFile, "-tls.client-ca", ca.File,
		"-auth.allow", "spiffe://example.org/addcli")
	sumURL := "https://" + p.addr("http") + "/sum"
	as := func(c testcerts.Pair) []string {
		return []string{"--cacert", ca.File, "--cert", c.CertFile, "--key", c.KeyFile}
	}
	good := func(after string) {
		t.Helper()
		status, out := curlStatus(t, curl, sumURL, `{"a":1,"b":2}`, as(allowed)...)
		if status != 200 || !strings.Contains(out, `"v":3`) {
			t.Fatalf("allowed caller after %s: %d %q; want 200 {\"v\":3}\n%s", after, status, out, p.log())
		}
	}
	good("start")

	// HTTP: the other identity is refused 403.
	if status, out := curlStatus(t, curl, sumURL, `{"a":1,"b":2}`, as(other)...); status != 403 {
		t.Errorf("HTTP, identity not allowed: %d %q; want 403", status, out)
	}
	good("HTTP 403")

	// JSON-RPC: -32602 with HTTP 403; the allowed caller is answered.
	rpc := `{"jsonrpc":"2.0","method":"concat","params":{"a":"ab","b":"cd"},"id":1}`
	rpcURL := "https://" + p.addr("jsonrpc")
	if status, out := curlStatus(t, curl, rpcURL, rpc, as(other)...); status != 403 || !strings.Contains(out, "-32602") {
		t.Errorf("JSON-RPC, identity not allowed: %d %q; want 403 with code -32602", status, out)
	}
	if status, out := curlStatus(t, curl, rpcURL, rpc, as(allowed)...); status != 200 || !strings.Contains(out, `"abcd"`) {
		t.Errorf("JSON-RPC, allowed identity: %d %q; want 200 abcd", status, out)
	}
	good("JSON-RPC 403")

	// gRPC: PermissionDenied for the other identity, an answer for ours.
	g := p.addr("grpc")
	if out, code := run(t, grpcurl, "-cacert", ca.File, "-cert", other.CertFile, "-key", other.KeyFile,
		"-d", `{"a":1,"b":2}`, g, "addsvc.Add/Sum"); code == 0 || !strings.Contains(out, "PermissionDenied") {
		t.Errorf("grpcurl, identity not allowed: exit %d, %q; want PermissionDenied", code, out)
	}
	if out, code := run(t, grpcurl, "-cacert", ca.File, "-cert", allowed.CertFile, "-key", allowed.KeyFile,
		"-d", `{"a":1,"b":2}`, g, "addsvc.Add/Sum"); code != 0 || !strings.Contains(out, `"v": "3"`) {
		t.Errorf("grpcurl, allowed identity: exit %d, %q; want v 3", code, out)
	}
	good("gRPC PermissionDenied")

	// addcli over each TLS transport: served as the allowed identity,
	// refused (exit 1, no retry needed to tell) as the other.
	for _, tr := range []string{"http", "jsonrpc", "grpc"} {
		base := []string{"-transport", tr, "-addr", p.addr(tr), "-timeout", "10s", "-tls.ca", ca.File}
		if out, code := run(t, addcli, append(base, "-tls.cert", allowed.CertFile, "-tls.key", allowed.KeyFile, "20", "22")...); code != 0 || out != "42" {
			t.Errorf("addcli -transport %s, allowed identity: exit %d, %q; want 42", tr, code, out)
		}
		if out, code := run(t, addcli, append(base, "-tls.cert", other.CertFile, "-tls.key", other.KeyFile, "1", "2")...); code != 1 {
			t.Errorf("addcli -transport %s, identity not allowed: exit %d, %q; want 1", tr, code, out)
		}
		good("addcli -transport " + tr)
	}

	// Thrift has no TLS here: no caller has an identity.
	if out, code := run(t, addcli, "-transport", "thrift", "-addr", p.addr("thrift"), "-timeout", "10s", "1", "2"); code != 1 || !strings.Contains(out, "unauthenticated") {
		t.Errorf("addcli -transport thrift under -auth.allow: exit %d, %q; want 1, unauthenticated", code, out)
	}
	good("Thrift")
	checkRefusalsLogged(t, p)
}

// checkRefusalsLogged checks that refusals were logged at warn, as the
// caller's errors, and never at error.
func checkRefusalsLogged(t *testing.T, p *addsvcProc) {
	t.Helper()
	log := p.log()
	if !strings.Contains(log, "level=warn") {
		t.Errorf("no refusal logged at warn:\n%s", log)
	}
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(l, "level=error") {
			t.Errorf("a refusal logged at error: %s", l)
		}
	}
}

// jwksServer serves, on a loopback port, a JWK Set holding pub under kid,
// and counts its requests.
func jwksServer(t *testing.T, kid string, pub ed25519.PublicKey) (string, *atomic.Int64) {
	t.Helper()
	doc, _ := json.Marshal(map[string]any{"keys": []map[string]any{{
		"kty": "OKP", "crv": "Ed25519", "kid": kid, "use": "sig", "alg": "EdDSA",
		"x": base64.RawURLEncoding.EncodeToString(pub),
	}}})
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		n.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(doc)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, &n
}

// TestAuthorizeByToken starts the real addsvc with -auth.jwks pointing at
// a key server on loopback, an issuer, an audience and one allowed
// subject. addcli with a token of the allowed subject (-auth.token, or
// ADDCLI_TOKEN) is served over HTTP, JSON-RPC, gRPC and Thrift; a valid
// token of another subject is refused 403 / PermissionDenied /
// permission denied, a token of the wrong audience, an expired one and
// none at all 401 / Unauthenticated (with the Bearer challenge over HTTP);
// the server serves the allowed caller after each refusal, and the key
// server was asked for the keys once.
func TestAuthorizeByToken(t *testing.T) {
	curl := testenv.LookPath(t, "curl")
	grpcurl := testenv.LookPath(t, "grpcurl")
	addsvcBin, addcli := build(t)
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	jwksURL, fetches := jwksServer(t, "k1", pub)
	mint := func(sub, aud string, exp time.Duration) string {
		t.Helper()
		now := time.Now()
		tok := stdjwt.NewWithClaims(stdjwt.SigningMethodEdDSA, stdjwt.MapClaims{
			"iss": "https://idp.test/", "aud": aud, "sub": sub,
			"iat": now.Unix(), "exp": now.Add(exp).Unix(),
		})
		tok.Header["kid"] = "k1"
		s, err := tok.SignedString(priv)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	alice := mint("alice", "addsvc", time.Hour)
	mallory := mint("mallory", "addsvc", time.Hour)
	wrongAud := mint("alice", "billing", time.Hour)
	expired := mint("alice", "addsvc", -time.Hour)

	p := start(t, addsvcBin, "-auth.jwks", jwksURL, "-auth.jwt-issuer", "https://idp.test/",
		"-auth.jwt-audience", "addsvc", "-auth.jwt-subjects", "alice")
	sumURL := "http://" + p.addr("http") + "/sum"
	bearer := func(tok string) []string { return []string{"-H", "Authorization: Bearer " + tok} }
	good := func(after string) {
		t.Helper()
		status, out := curlStatus(t, curl, sumURL, `{"a":1,"b":2}`, bearer(alice)...)
		if status != 200 || !strings.Contains(out, `"v":3`) {
			t.Fatalf("allowed token after %s: %d %q; want 200 {\"v\":3}\n%s", after, status, out, p.log())
		}
	}
	good("start")

	// HTTP, with curl.
	for _, tc := range []struct {
		name      string
		args      []string
		status    int
		challenge string
	}{
		{"no token", nil, 401, "www-authenticate: bearer"},
		{"wrong audience", bearer(wrongAud), 401, `error="invalid_token"`},
		{"expired", bearer(expired), 401, `error="invalid_token"`},
		{"malformed", []string{"-H", "Authorization: Bearer not.a.jwt"}, 401, `error="invalid_request"`},
		{"subject not allowed", bearer(mallory), 403, `error="insufficient_scope"`},
	} {
		status, out := curlStatus(t, curl, sumURL, `{"a":1,"b":2}`, tc.args...)
		if status != tc.status || !strings.Contains(strings.ToLower(out), strings.ToLower(tc.challenge)) {
			t.Errorf("HTTP, %s: %d %q; want %d with %s", tc.name, status, out, tc.status, tc.challenge)
		}
		for _, tok := range []string{mallory, wrongAud, expired} {
			if strings.Contains(out, tok) {
				t.Errorf("HTTP, %s: the answer quotes a token", tc.name)
			}
		}
		good("HTTP " + tc.name)
	}

	// JSON-RPC: -32602 with the HTTP status.
	rpc := `{"jsonrpc":"2.0","method":"sum","params":{"a":1,"b":2},"id":1}`
	rpcURL := "http://" + p.addr("jsonrpc")
	if status, out := curlStatus(t, curl, rpcURL, rpc, bearer(mallory)...); status != 403 || !strings.Contains(out, "-32602") {
		t.Errorf("JSON-RPC, subject not allowed: %d %q; want 403 with -32602", status, out)
	}
	if status, out := curlStatus(t, curl, rpcURL, rpc); status != 401 || !strings.Contains(out, "-32602") {
		t.Errorf("JSON-RPC, no token: %d %q; want 401 with -32602", status, out)
	}
	good("JSON-RPC")

	// gRPC, with grpcurl.
	g := p.addr("grpc")
	for tok, want := range map[string]string{mallory: "PermissionDenied", wrongAud: "Unauthenticated", alice: `"v": "3"`} {
		out, _ := run(t, grpcurl, "-plaintext", "-H", "authorization: Bearer "+tok, "-d", `{"a":1,"b":2}`, g, "addsvc.Add/Sum")
		if !strings.Contains(out, want) {
			t.Errorf("grpcurl with a token: %q; want %s", out, want)
		}
	}
	good("gRPC")

	// addcli over every transport: the token from -auth.token, then from
	// ADDCLI_TOKEN.
	for _, tr := range []string{"http", "jsonrpc", "grpc", "thrift"} {
		base := []string{"-transport", tr, "-addr", p.addr(tr), "-timeout", "10s"}
		if out, code := run(t, addcli, append(base, "-auth.token", alice, "20", "22")...); code != 0 || out != "42" {
			t.Errorf("addcli -transport %s -auth.token (allowed): exit %d, %q; want 42", tr, code, out)
		}
		cmd := exec.Command(addcli, append(base, "20", "22")...)
		cmd.Env = append(os.Environ(), "ADDCLI_TOKEN="+alice)
		if out, err := cmd.Output(); err != nil || strings.TrimSpace(string(out)) != "42" {
			t.Errorf("addcli -transport %s with ADDCLI_TOKEN (allowed): %v, %q; want 42", tr, err, out)
		}
		for tok, name := range map[string]string{mallory: "subject not allowed", wrongAud: "wrong audience", "": "no token"} {
			out, code := run(t, addcli, append(base, "-auth.token", tok, "1", "2")...)
			if code != 1 {
				t.Errorf("addcli -transport %s, %s: exit %d, %q; want 1", tr, name, code, out)
			}
			if tok != "" && strings.Contains(out, tok) {
				t.Errorf("addcli -transport %s, %s: the error quotes the token", tr, name)
			}
		}
		good("addcli -transport " + tr)
	}
	if out, code := run(t, addcli, "-transport", "thrift", "-addr", p.addr("thrift"), "-timeout", "10s", "-auth.token", mallory, "1", "2"); !strings.Contains(out, "permission denied") {
		t.Errorf("addcli -transport thrift, subject not allowed: exit %d, %q; want permission denied", code, out)
	}
	checkRefusalsLogged(t, p)
	for _, tok := range []string{alice, mallory, wrongAud, expired} {
		if strings.Contains(p.log(), tok) {
			t.Errorf("addsvc logged a token")
		}
	}
	if n := fetches.Load(); n != 1 {
		t.Errorf("the key server was asked %d times, want once", n)
	}
}
