package jwt_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"time"

	stdjwt "github.com/golang-jwt/jwt/v5"

	"github.com/endpointkit/kit/auth/jwt"
	httptransport "github.com/endpointkit/kit/transport/http"
)

// Example verifies EdDSA tokens against a JWK Set, as a service behind an
// identity provider does, and signs one on the client side.
func Example() {
	// The identity provider: one Ed25519 key, published as a JWK Set.
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	set, _ := json.Marshal(map[string]any{"keys": []any{map[string]any{
		"kty": "OKP", "crv": "Ed25519", "kid": "2026-12", "x": base64.RawURLEncoding.EncodeToString(pub)}}})
	idp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(set) }))
	defer idp.Close()

	// The service: only tokens from the provider, for this audience.
	keys := jwt.NewJWKS(idp.URL, jwt.JWKSSettings{})
	defer keys.Close()
	auth := jwt.NewParser(keys.Keyfunc, stdjwt.SigningMethodEdDSA, jwt.RegisteredClaimsFactory,
		jwt.ParserIssuer("https://idp.example/"), jwt.ParserAudience("orders"), jwt.ParserLeeway(30*time.Second))
	hello := func(ctx context.Context, _ any) (any, error) {
		claims, _ := jwt.ClaimsFromContext(ctx)
		sub, _ := claims.GetSubject()
		return "hello " + sub, nil
	}
	api := httptest.NewServer(httptransport.NewServer(auth(hello),
		func(context.Context, *http.Request) (any, error) { return nil, nil },
		httptransport.EncodeJSONResponse,
		httptransport.ServerBefore(jwt.HTTPToContext())))
	defer api.Close()

	// A client: NewSigner puts a token in the context, ContextToHTTP sends it.
	client := httptransport.NewClient("GET", mustParse(api.URL), httptransport.EncodeJSONRequest,
		httptransport.DecodeJSONResponse[string], httptransport.ClientBefore(jwt.ContextToHTTP()))
	claims := stdjwt.RegisteredClaims{Issuer: "https://idp.example/", Subject: "alice",
		Audience: stdjwt.ClaimStrings{"orders"}, ExpiresAt: stdjwt.NewNumericDate(time.Now().Add(time.Minute))}
	call := jwt.NewSigner("2026-12", priv, stdjwt.SigningMethodEdDSA, claims)(client.Endpoint())
	fmt.Println(call(context.Background(), nil))

	// Without a token: 401 and a Bearer challenge.
	resp, _ := http.Get(api.URL)
	resp.Body.Close()
	fmt.Println(resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	// Output:
	// hello alice <nil>
	// 401 Bearer
}

func mustParse(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}
