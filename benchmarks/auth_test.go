package benchmarks

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	stdjwt "github.com/golang-jwt/jwt/v5"

	"github.com/endpointkit/kit/auth/basic"
	"github.com/endpointkit/kit/auth/jwt"
	"github.com/endpointkit/kit/endpoint"
)

// The workload: verify one valid token (iss, aud, iat, nbf, exp, sub) and
// call a trivial endpoint with its claims. Contestants: golang-jwt used by
// hand (a shared jwt.Parser with the same options, MapClaims, a fixed key);
// kit's NewParser with the same fixed key; kit's NewParser over a JWKS
// whose keys are cached (served by a loopback HTTP server that must see
// exactly one request).

type jwtCase struct {
	alg     string
	method  stdjwt.SigningMethod
	signKey any
	pubKey  any
	jwk     map[string]any
}

// benchRSAKey is a fixed RSA key (a test key, nothing else): generating
// one per run would make start-up, and so callgrind's difference between
// two runs, vary by millions of instructions.
const benchRSAKey = `-----BEGIN PRIVATE KEY-----
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDK73RDFofltaE/
idEfhIVH88q8ObRP3GZ956BYSMBNxET5M/Y6LffN5+YMsfL39UrZi7byLunedHZf
yXxfEgeMhR5IchzvMYd4zk5Ia5pTsRs7armB4Gd6aYfetmbpKj7uZMhWsbcVy61p
RgNJ5ON1XjEmNEL5hhaoUGdWR7MMWz1dsSU2t1urpsp7fItkAWWTXcE6pVf0ZwXN
9x8IQp5LgcMAouIZozeecHKkUByMOeNXcc5oqaLVsD0/m2A1siekuir0+zjxT4KC
RtIJL1/YtWK3LvQYtDGv+sTpIFOs81tnTvNEg9oX/Q2LbhbZHNV1XtpepBPMmIux
v3jOCktZAgMBAAECggEAFbBlukFbVShWQ2yS/JW86nGiiH8416O4UwrJUwI0hmM8
lW9RqMpurpOzPUZcD9cIMMvLSeNMdM149NgbmiwawTCdidPjZoeiQV24VWplsD3w
qYcorDo8CQPkJQAU6+TrXK6KEGT2Ssat4h9c3N4RFuNSKLGDenhzrbnJL5oiZ2ac
hhrHmxh5xdstSRZE3gMAThZXd20jIJrmeJNFtg8AyRGqyUUUMGQTT58CYOPnAaro
4r+Wu9S0IMurjXO1GuSw0i39jeWMZo7ISZRSzl1Ii64xM9EvCswK8C09Fge4gW9m
/hu0seoM3eSZOloviktDtOWMhS78nWQl08cDJ4xBYQKBgQD8LWXQ261Tsu5Z9KJb
cI+hXOiTse1P6BQyp5NXOQT8uLyUTJtCS+Db0uyoyAwTiXP+OWzrpDape+lwITYL
bdZQykAZKJwrgbuTGWpRrpYMgpdC9nAghGm7tPlvtR3AJuw3wDXr8TB52cFaLNpl
xDzQvChAKhvxAHWeCIGRvj3a4QKBgQDOAvetAj741ThMsxL3mwnGLuCu/jktsFtt
4Rk005GIvGVwh5Bw2DBRFpQVqnVCwnWv6j6PZNOcKAloTwcl4ERXlRBzAzaYlg1h
9mab5UGk6gaSn/FRpSoAbqXJi7coLeFxKao3RwSj2Kp78NRJQJglSEqqf1QFO+t5
5pgvRTe3eQKBgQCzQqY82NwWQnyyz3bWX2aKg1wFGZcjlUs+UucnOq4z5DKRjP9V
GlFGkmKO/F2xSaV90159B6efxSjE/6bGaxbNKWh1OewB9V/cilWMqPma/P3/qOU+
CEKNH3GtGeeDH2gNnYH3LeWSyNtsebPqYZwFmatXKVfhcr0pUMyiSMT5oQKBgFge
utS9TjRf+AoO20EghyjHqoIP6mNZuXIhxAdtrCXh+D4PLsCmKNy2nLc7x5a72V1b
BFGP3lhAY+3DSBpyeKlB8NxRdowEO0s4+6EZil/BXvhfA/lZfcLbkXzJj5nXLkSa
ft3QOfLf3eTQGe4PfEUOTCnr9wOaItpswZIOuIt5AoGBAI7YtC4YtL3/cyFdUzIV
Ll7wnVt+9Cv6gxJ8R3PdzaDmEPjqnVuyCP9nBm+nTc0+rAe4AI7plep+8ago9ipz
kez01kvvV5WOZ5O06+qLsYxOwbMzomxUCjatFWQy2y9zjitiGnCBoE6PitGpUwN5
f+zKgO6GB1Gi+lhh++bIQO3J
-----END PRIVATE KEY-----
`

func jwtCases(tb testing.TB) []jwtCase {
	block, _ := pem.Decode([]byte(benchRSAKey))
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		tb.Fatal(err)
	}
	rsaKey := k.(*rsa.PrivateKey)
	edKey := ed25519.NewKeyFromSeed([]byte("a fixed 32-byte seed for benches"))
	edPub := edKey.Public().(ed25519.PublicKey)
	b64 := base64.RawURLEncoding.EncodeToString
	return []jwtCase{
		{"RS256", stdjwt.SigningMethodRS256, rsaKey, &rsaKey.PublicKey, map[string]any{
			"kty": "RSA", "kid": "k", "n": b64(rsaKey.N.Bytes()), "e": b64(big.NewInt(int64(rsaKey.E)).Bytes())}},
		{"EdDSA", stdjwt.SigningMethodEdDSA, edKey, edPub, map[string]any{
			"kty": "OKP", "crv": "Ed25519", "kid": "k", "x": b64(edPub)}},
	}
}

func (c jwtCase) token(tb testing.TB) string {
	now := time.Now()
	t := stdjwt.NewWithClaims(c.method, stdjwt.MapClaims{"iss": "https://idp.test/", "aud": "orders", "sub": "alice",
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix()})
	t.Header["kid"] = "k"
	s, err := t.SignedString(c.signKey)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// handJWT is golang-jwt by hand: parse, verify, and call the endpoint with
// the subject.
func handJWT(c jwtCase) func(ctx context.Context, tok string) (any, error) {
	p := stdjwt.NewParser(stdjwt.WithValidMethods([]string{c.method.Alg()}), stdjwt.WithIssuedAt(),
		stdjwt.WithIssuer("https://idp.test/"), stdjwt.WithAudience("orders"))
	key := func(*stdjwt.Token) (any, error) { return c.pubKey, nil }
	return func(ctx context.Context, tok string) (any, error) {
		t, err := p.ParseWithClaims(tok, stdjwt.MapClaims{}, key)
		if err != nil {
			return nil, err
		}
		return t.Claims.GetSubject()
	}
}

func subjectEndpoint(ctx context.Context, _ any) (any, error) {
	c, _ := jwt.ClaimsFromContext(ctx)
	return c.GetSubject()
}

func kitJWT(c jwtCase, keyFunc stdjwt.Keyfunc) endpoint.Endpoint {
	return jwt.NewParser(keyFunc, c.method, jwt.MapClaimsFactory,
		jwt.ParserIssuer("https://idp.test/"), jwt.ParserAudience("orders"))(subjectEndpoint)
}

// jwksServer serves c's key as a JWK Set and counts requests.
func jwksServer(c jwtCase, requests *atomic.Int64) *httptest.Server {
	doc, _ := json.Marshal(map[string]any{"keys": []any{c.jwk}})
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		requests.Add(1)
		_, _ = w.Write(doc)
	}))
}

func BenchmarkJWTVerify(b *testing.B) {
	for _, c := range jwtCases(b) {
		tok := c.token(b)
		ctx := context.WithValue(context.Background(), jwt.JWTContextKey, tok)
		b.Run("alg="+c.alg+"/impl=golang-jwt", func(b *testing.B) {
			f := handJWT(c)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := f(context.Background(), tok); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("alg="+c.alg+"/impl=kit", func(b *testing.B) {
			e := kitJWT(c, func(*stdjwt.Token) (any, error) { return c.pubKey, nil })
			b.ReportAllocs()
			for b.Loop() {
				if _, err := e(ctx, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("alg="+c.alg+"/impl=kit-jwks", func(b *testing.B) {
			var requests atomic.Int64
			srv := jwksServer(c, &requests)
			defer srv.Close()
			keys := jwt.NewJWKS(srv.URL, jwt.JWKSSettings{RefreshInterval: -1})
			defer keys.Close()
			if err := keys.Refresh(context.Background()); err != nil {
				b.Fatal(err)
			}
			e := kitJWT(c, keys.Keyfunc)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := e(ctx, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			if n := requests.Load(); n != 1 {
				b.Fatalf("key set requests: %d, want 1 (the hot path must not fetch)", n)
			}
		})
	}
}

func TestJWTContestantsAgree(t *testing.T) {
	for _, c := range jwtCases(t) {
		tok := c.token(t)
		ctx := context.WithValue(context.Background(), jwt.JWTContextKey, tok)
		var requests atomic.Int64
		srv := jwksServer(c, &requests)
		keys := jwt.NewJWKS(srv.URL, jwt.JWKSSettings{RefreshInterval: -1})
		hand, err1 := handJWT(c)(context.Background(), tok)
		fixed, err2 := kitJWT(c, func(*stdjwt.Token) (any, error) { return c.pubKey, nil })(ctx, nil)
		viaJWKS, err3 := kitJWT(c, keys.Keyfunc)(ctx, nil)
		keys.Close()
		srv.Close()
		if hand != "alice" || fixed != "alice" || viaJWKS != "alice" || err1 != nil || err2 != nil || err3 != nil {
			t.Errorf("%s: hand %v %v, kit %v %v, kit-jwks %v %v; want alice from each", c.alg, hand, err1, fixed, err2, viaJWKS, err3)
		}
		// A token signed by another key is refused by each.
		other := c
		switch c.alg {
		case "RS256":
			k, _ := rsa.GenerateKey(rand.Reader, 2048)
			other.signKey = k
		default:
			_, k, _ := ed25519.GenerateKey(rand.Reader)
			other.signKey = k
		}
		bad := other.token(t)
		badCtx := context.WithValue(context.Background(), jwt.JWTContextKey, bad)
		if _, err := handJWT(c)(context.Background(), bad); err == nil {
			t.Errorf("%s: hand accepted another key's token", c.alg)
		}
		if _, err := kitJWT(c, func(*stdjwt.Token) (any, error) { return c.pubKey, nil })(badCtx, nil); err == nil {
			t.Errorf("%s: kit accepted another key's token", c.alg)
		}
	}
}

// The workload for basic auth: one Authorization header in the context
// (as HTTPToContext puts it), checked against one user and password, then
// a trivial endpoint. Contestants: a hand-written check (decode, split,
// subtle.ConstantTimeCompare of user and password as they are: it leaks
// their lengths) and kit's AuthMiddleware (a cyclic constant-time
// comparison whose time depends only on the presented lengths).

const basicUser, basicPass = "admin", "correct horse battery staple"

func basicCtx(user, pass string) context.Context {
	r := httptest.NewRequest("GET", "/", nil)
	r.SetBasicAuth(user, pass)
	return basic.HTTPToContext()(context.Background(), r)
}

func handBasic(next endpoint.Endpoint) endpoint.Endpoint {
	wantUser, wantPass := []byte(basicUser), []byte(basicPass)
	return func(ctx context.Context, req any) (any, error) {
		r, _ := ctx.Value(handHeaderKey{}).(string)
		h, ok := strings.CutPrefix(r, "Basic ")
		if !ok {
			return nil, basic.ErrMissingCredentials
		}
		raw, err := base64.StdEncoding.DecodeString(h)
		if err != nil {
			return nil, basic.ErrMalformedCredentials
		}
		u, p, _ := strings.Cut(string(raw), ":")
		if subtle.ConstantTimeCompare([]byte(u), wantUser)&subtle.ConstantTimeCompare([]byte(p), wantPass) != 1 {
			return nil, basic.ErrInvalidCredentials
		}
		return next(ctx, req)
	}
}

type handHeaderKey struct{}

func handBasicCtx(user, pass string) context.Context {
	r := httptest.NewRequest("GET", "/", nil)
	r.SetBasicAuth(user, pass)
	return context.WithValue(context.Background(), handHeaderKey{}, r.Header.Get("Authorization"))
}

func BenchmarkBasicAuth(b *testing.B) {
	for _, c := range []struct {
		impl string
		e    endpoint.Endpoint
		ctx  context.Context
	}{
		{"hand", handBasic(endpoint.Nop), handBasicCtx(basicUser, basicPass)},
		{"kit", basic.AuthMiddleware(basicUser, basicPass, "r")(endpoint.Nop), basicCtx(basicUser, basicPass)},
	} {
		b.Run("impl="+c.impl, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.e(c.ctx, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkBasicCheck isolates the comparison itself: the user and the
// password, already decoded, against the configured ones. `hand` is
// subtle.ConstantTimeCompare of each as they are (it returns at once when
// the lengths differ, so it leaks them); `kit` is basic.Static's check (a
// cyclic comparison whose time depends only on the presented lengths).
func BenchmarkBasicCheck(b *testing.B) {
	wantUser, wantPass := []byte(basicUser), []byte(basicPass)
	hand := func(_ context.Context, u, p string) (bool, error) {
		return subtle.ConstantTimeCompare([]byte(u), wantUser)&subtle.ConstantTimeCompare([]byte(p), wantPass) == 1, nil
	}
	for _, c := range []struct {
		impl  string
		check basic.CheckFunc
	}{{"hand", hand}, {"kit", basic.Static(basicUser, basicPass)}} {
		b.Run("impl="+c.impl, func(b *testing.B) {
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if ok, _ := c.check(ctx, basicUser, basicPass); !ok {
					b.Fatal("refused")
				}
			}
		})
	}
}

func TestBasicContestantsAgree(t *testing.T) {
	for _, tc := range []struct {
		user, pass string
		ok         bool
	}{{basicUser, basicPass, true}, {basicUser, "wrong", false}, {"root", basicPass, false}} {
		_, errHand := handBasic(endpoint.Nop)(handBasicCtx(tc.user, tc.pass), nil)
		_, errKit := basic.AuthMiddleware(basicUser, basicPass, "r")(endpoint.Nop)(basicCtx(tc.user, tc.pass), nil)
		if (errHand == nil) != tc.ok || (errKit == nil) != tc.ok {
			t.Errorf("%s:%s: hand %v, kit %v; want ok=%v from both", tc.user, tc.pass, errHand, errKit, tc.ok)
		}
	}
}
