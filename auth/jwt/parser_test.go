package jwt_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	stdjwt "github.com/golang-jwt/jwt/v5"
	"google.golang.org/grpc/codes"

	"github.com/endpointkit/kit/auth/jwt"
	"github.com/endpointkit/kit/endpoint"
)

var hmacKey = []byte("a 32-byte secret for HS256 tests")

func sign(t testing.TB, method stdjwt.SigningMethod, key any, kid string, claims stdjwt.Claims) string {
	t.Helper()
	tok := stdjwt.NewWithClaims(method, claims)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatalf("sign %s: %v", method.Alg(), err)
	}
	return s
}

func claims(mod func(stdjwt.MapClaims)) stdjwt.MapClaims {
	now := time.Now()
	c := stdjwt.MapClaims{
		"iss": "https://idp.test/", "aud": "orders", "sub": "alice",
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix(),
	}
	if mod != nil {
		mod(c)
	}
	return c
}

func withToken(tok string) context.Context {
	return context.WithValue(context.Background(), jwt.JWTContextKey, tok)
}

// subject is an endpoint that answers with the token's sub.
func subject(ctx context.Context, _ any) (any, error) {
	c, ok := jwt.ClaimsFromContext(ctx)
	if !ok {
		return nil, errors.New("no claims in ctx")
	}
	return c.GetSubject()
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func mustRSA(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestParserRefusals sends each bad token to an RS256 (and EdDSA) server
// with iss and aud checks, then a good one: each is refused with the right
// sentinel, status, challenge and gRPC code, classified as the caller's
// error, without the token in the message, and the next good call passes.
func TestParserRefusals(t *testing.T) {
	rsaKey := mustRSA(t)
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	keyFunc := func(tok *stdjwt.Token) (any, error) {
		if tok.Method.Alg() == "EdDSA" {
			return edKey.Public(), nil
		}
		return &rsaKey.PublicKey, nil
	}
	e := jwt.NewParser(keyFunc, stdjwt.SigningMethodRS256, jwt.MapClaimsFactory,
		jwt.ParserMethods(stdjwt.SigningMethodEdDSA),
		jwt.ParserIssuer("https://idp.test/"), jwt.ParserAudience("orders", "billing"),
		jwt.ParserLeeway(10*time.Second))(subject)

	good := sign(t, stdjwt.SigningMethodRS256, rsaKey, "", claims(nil))
	pubDER, _ := x509.MarshalPKIXPublicKey(&rsaKey.PublicKey)
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	head, body, _ := strings.Cut(good, ".")
	payload, sig, _ := strings.Cut(body, ".")

	for _, tc := range []struct {
		name string
		tok  string
		want error
	}{
		{"alg none", b64(`{"alg":"none","typ":"JWT"}`) + "." + payload + ".", jwt.ErrUnexpectedSigningMethod},
		{"alg None", b64(`{"alg":"None"}`) + "." + payload + ".", jwt.ErrUnexpectedSigningMethod},
		{"HS256 with the public key as secret", sign(t, stdjwt.SigningMethodHS256, pubPEM, "", claims(nil)), jwt.ErrUnexpectedSigningMethod},
		{"HS256 with the public key DER", sign(t, stdjwt.SigningMethodHS256, pubDER, "", claims(nil)), jwt.ErrUnexpectedSigningMethod},
		{"RS512 not allowed", sign(t, stdjwt.SigningMethodRS512, rsaKey, "", claims(nil)), jwt.ErrUnexpectedSigningMethod},
		{"unknown alg", b64(`{"alg":"XX999"}`) + "." + payload + "." + sig, jwt.ErrUnexpectedSigningMethod},
		{"tampered payload", head + "." + b64(`{"sub":"mallory","iss":"https://idp.test/","aud":"orders"}`) + "." + sig, jwt.ErrTokenInvalid},
		{"signature of another key", sign(t, stdjwt.SigningMethodRS256, mustRSA(t), "", claims(nil)), jwt.ErrTokenInvalid},
		{"two segments", head + "." + payload, jwt.ErrTokenMalformed},
		{"four segments", good + ".x", jwt.ErrTokenMalformed},
		{"bad base64 header", "!!!." + payload + "." + sig, jwt.ErrTokenMalformed},
		{"bad JSON header", b64(`{"alg":`) + "." + payload + "." + sig, jwt.ErrTokenMalformed},
		{"bad JSON payload", head + "." + b64(`[1,2`) + "." + sig, jwt.ErrTokenMalformed},
		{"bad base64 signature", head + "." + payload + ".%%%", jwt.ErrTokenMalformed},
		{"empty", "", jwt.ErrTokenMalformed},
		{"1 MiB token", head + "." + strings.Repeat("A", 1<<20) + "." + sig, jwt.ErrTokenMalformed},
		{"expired", sign(t, stdjwt.SigningMethodRS256, rsaKey, "", claims(func(c stdjwt.MapClaims) { c["exp"] = time.Now().Add(-time.Minute).Unix() })), jwt.ErrTokenExpired},
		{"nbf in the future", sign(t, stdjwt.SigningMethodRS256, rsaKey, "", claims(func(c stdjwt.MapClaims) { c["nbf"] = time.Now().Add(time.Minute).Unix() })), jwt.ErrTokenNotActive},
		{"iat in the future", sign(t, stdjwt.SigningMethodRS256, rsaKey, "", claims(func(c stdjwt.MapClaims) { c["iat"] = time.Now().Add(time.Minute).Unix() })), jwt.ErrTokenNotActive},
		{"wrong issuer", sign(t, stdjwt.SigningMethodRS256, rsaKey, "", claims(func(c stdjwt.MapClaims) { c["iss"] = "https://evil.test/" })), jwt.ErrTokenInvalidIssuer},
		{"no issuer", sign(t, stdjwt.SigningMethodRS256, rsaKey, "", claims(func(c stdjwt.MapClaims) { delete(c, "iss") })), jwt.ErrTokenInvalid},
		{"wrong audience", sign(t, stdjwt.SigningMethodRS256, rsaKey, "", claims(func(c stdjwt.MapClaims) { c["aud"] = []string{"payroll"} })), jwt.ErrTokenInvalidAudience},
		{"exp not a number", sign(t, stdjwt.SigningMethodRS256, rsaKey, "", claims(func(c stdjwt.MapClaims) { c["exp"] = "tomorrow" })), jwt.ErrTokenInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e(withToken(tc.tok), nil)
			if !errors.Is(err, tc.want) {
				t.Fatalf("call: err = %v, want %v", err, tc.want)
			}
			checkRefusal(t, err, http.StatusUnauthorized)
			if len(tc.tok) > 20 && strings.Contains(err.Error(), tc.tok[len(tc.tok)-20:]) {
				t.Errorf("error %q contains the token", err)
			}
			if got, err := e(withToken(good), nil); got != "alice" || err != nil {
				t.Errorf("good call after: %v, %v; want alice, nil", got, err)
			}
		})
	}
	// Within the leeway passes; EdDSA passes as allowed by ParserMethods.
	for name, tok := range map[string]string{
		"expired within leeway": sign(t, stdjwt.SigningMethodRS256, rsaKey, "", claims(func(c stdjwt.MapClaims) { c["exp"] = time.Now().Add(-5 * time.Second).Unix() })),
		"nbf within leeway":     sign(t, stdjwt.SigningMethodRS256, rsaKey, "", claims(func(c stdjwt.MapClaims) { c["nbf"] = time.Now().Add(5 * time.Second).Unix() })),
		"second audience":       sign(t, stdjwt.SigningMethodRS256, rsaKey, "", claims(func(c stdjwt.MapClaims) { c["aud"] = []string{"x", "billing"} })),
		"EdDSA":                 sign(t, stdjwt.SigningMethodEdDSA, edKey, "", claims(nil)),
	} {
		if got, err := e(withToken(tok), nil); got != "alice" || err != nil {
			t.Errorf("%s: %v, %v; want alice, nil", name, got, err)
		}
	}
}

func checkRefusal(t *testing.T, err error, code int) {
	t.Helper()
	var je *jwt.Error
	if !errors.As(err, &je) || je.StatusCode() != code {
		t.Fatalf("err = %#v, want *jwt.Error with status %d", err, code)
	}
	if o := endpoint.Classify(context.Background(), nil, err); o.Kind != endpoint.CallerError {
		t.Errorf("Classify(%v) = %v, want caller_error", err, o)
	}
	wantCode := codes.Unauthenticated
	if code == http.StatusForbidden {
		wantCode = codes.PermissionDenied
	}
	if c := je.GRPCStatus().Code(); c != wantCode {
		t.Errorf("GRPCStatus().Code() = %v, want %v", c, wantCode)
	}
	if h := je.Headers().Get("WWW-Authenticate"); !strings.HasPrefix(h, "Bearer") {
		t.Errorf("WWW-Authenticate = %q, want a Bearer challenge", h)
	}
}

func TestParserMissingToken(t *testing.T) {
	e := jwt.NewParser(func(*stdjwt.Token) (any, error) { return hmacKey, nil }, stdjwt.SigningMethodHS256, nil)(subject)
	_, err := e(context.Background(), nil)
	if !errors.Is(err, jwt.ErrTokenContextMissing) {
		t.Fatalf("call without token: err = %v, want ErrTokenContextMissing", err)
	}
	checkRefusal(t, err, http.StatusUnauthorized)
	if h := err.(*jwt.Error).Headers().Get("WWW-Authenticate"); h != "Bearer" {
		t.Errorf("WWW-Authenticate = %q, want a bare Bearer (RFC 6750 3.1)", h)
	}
}

func TestParserAuthorize(t *testing.T) {
	admin := func(_ context.Context, c stdjwt.Claims) bool { return c.(stdjwt.MapClaims)["role"] == "admin" }
	e := jwt.NewParser(func(*stdjwt.Token) (any, error) { return hmacKey, nil }, stdjwt.SigningMethodHS256,
		jwt.MapClaimsFactory, jwt.ParserAuthorize(admin))(subject)
	_, err := e(withToken(sign(t, stdjwt.SigningMethodHS256, hmacKey, "", claims(nil))), nil)
	if !errors.Is(err, jwt.ErrForbidden) {
		t.Fatalf("call without role: err = %v, want ErrForbidden", err)
	}
	checkRefusal(t, err, http.StatusForbidden)
	if h := err.(*jwt.Error).Headers().Get("WWW-Authenticate"); h != `Bearer error="insufficient_scope"` {
		t.Errorf("WWW-Authenticate = %q, want insufficient_scope", h)
	}
	tok := sign(t, stdjwt.SigningMethodHS256, hmacKey, "", claims(func(c stdjwt.MapClaims) { c["role"] = "admin" }))
	if got, err := e(withToken(tok), nil); got != "alice" || err != nil {
		t.Errorf("admin call: %v, %v; want alice, nil", got, err)
	}
}

func TestParserRequireExpiryAndClaimsType(t *testing.T) {
	e := jwt.NewParser(func(*stdjwt.Token) (any, error) { return hmacKey, nil }, stdjwt.SigningMethodHS256,
		jwt.RegisteredClaimsFactory, jwt.ParserRequireExpiry())(func(ctx context.Context, _ any) (any, error) {
		c, _ := ctx.Value(jwt.JWTClaimsContextKey).(*stdjwt.RegisteredClaims)
		return c, nil
	})
	noExp := sign(t, stdjwt.SigningMethodHS256, hmacKey, "", claims(func(c stdjwt.MapClaims) { delete(c, "exp") }))
	if _, err := e(withToken(noExp), nil); !errors.Is(err, jwt.ErrTokenInvalid) {
		t.Errorf("token without exp: err = %v, want ErrTokenInvalid", err)
	}
	got, err := e(withToken(sign(t, stdjwt.SigningMethodHS256, hmacKey, "", claims(nil))), nil)
	if c, _ := got.(*stdjwt.RegisteredClaims); err != nil || c == nil || c.Subject != "alice" {
		t.Errorf("good call: claims %#v, %v; want *RegisteredClaims with sub alice", got, err)
	}
}

func TestParserKeysUnavailableIsDependencyFailure(t *testing.T) {
	e := jwt.NewParser(func(*stdjwt.Token) (any, error) { return nil, jwt.ErrKeysUnavailable }, stdjwt.SigningMethodHS256, nil)(subject)
	_, err := e(withToken(sign(t, stdjwt.SigningMethodHS256, hmacKey, "", claims(nil))), nil)
	var je *jwt.Error
	if !errors.As(err, &je) || je.Code != http.StatusServiceUnavailable || !errors.Is(err, jwt.ErrKeysUnavailable) {
		t.Fatalf("call: err = %v, want 503 ErrKeysUnavailable", err)
	}
	if o := endpoint.Classify(context.Background(), nil, err); o.Kind != endpoint.DependencyFailure {
		t.Errorf("Classify = %v, want dependency_failure", o)
	}
	if c := je.GRPCStatus().Code(); c != codes.Unavailable {
		t.Errorf("GRPCStatus().Code() = %v, want Unavailable", c)
	}
}

func TestLeewayIsBounded(t *testing.T) {
	e := jwt.NewParser(func(*stdjwt.Token) (any, error) { return hmacKey, nil }, stdjwt.SigningMethodHS256, nil,
		jwt.ParserLeeway(24*time.Hour))(subject)
	tok := sign(t, stdjwt.SigningMethodHS256, hmacKey, "", claims(func(c stdjwt.MapClaims) { c["exp"] = time.Now().Add(-jwt.MaxLeeway - time.Minute).Unix() }))
	if _, err := e(withToken(tok), nil); !errors.Is(err, jwt.ErrTokenExpired) {
		t.Errorf("token expired MaxLeeway+1m ago with ParserLeeway(24h): err = %v, want ErrTokenExpired", err)
	}
}

func TestSignerParserRoundTrip(t *testing.T) {
	rsaKey := mustRSA(t)
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	for _, tc := range []struct {
		method    stdjwt.SigningMethod
		signKey   any
		verifyKey any
	}{
		{stdjwt.SigningMethodHS256, hmacKey, hmacKey},
		{stdjwt.SigningMethodRS256, rsaKey, &rsaKey.PublicKey},
		{stdjwt.SigningMethodEdDSA, edKey, edKey.Public()},
	} {
		parse := jwt.NewParser(func(*stdjwt.Token) (any, error) { return tc.verifyKey, nil }, tc.method, nil)(subject)
		e := jwt.NewSigner("k1", tc.signKey, tc.method, claims(nil))(func(ctx context.Context, req any) (any, error) {
			tok, _ := jwt.TokenFromContext(ctx)
			return parse(withToken(tok), req)
		})
		if got, err := e(context.Background(), nil); got != "alice" || err != nil {
			t.Errorf("%s: sign then parse = %v, %v; want alice, nil", tc.method.Alg(), got, err)
		}
	}
	bad := jwt.NewSigner("", "not a key", stdjwt.SigningMethodRS256, claims(nil))(endpoint.Nop)
	if _, err := bad(context.Background(), nil); err == nil {
		t.Error("NewSigner with a string as RSA key: err = nil, want an error")
	}
}

func BenchmarkNewParser(b *testing.B) {
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	for _, c := range []struct {
		method   stdjwt.SigningMethod
		sign, vk any
	}{
		{stdjwt.SigningMethodHS256, hmacKey, hmacKey},
		{stdjwt.SigningMethodEdDSA, edKey, edKey.Public()},
	} {
		b.Run(c.method.Alg(), func(b *testing.B) {
			e := jwt.NewParser(func(*stdjwt.Token) (any, error) { return c.vk, nil }, c.method, nil,
				jwt.ParserIssuer("https://idp.test/"), jwt.ParserAudience("orders"))(subject)
			ctx := withToken(sign(b, c.method, c.sign, "", claims(nil)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := e(ctx, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
