package jwt_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	stdjwt "github.com/golang-jwt/jwt/v5"

	"github.com/endpointkit/kit/auth/jwt"
	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/log"
	httptransport "github.com/endpointkit/kit/transport/http"
	"github.com/endpointkit/kit/transport/http/jsonrpc"
)

// TestJSONRPC: over JSON-RPC a refusal is code InvalidParams (-32602) with
// the HTTP status of the refusal (401, 403); kit's client classifies it as
// the caller's error.
func TestJSONRPC(t *testing.T) {
	onlyAdmin := jwt.ParserAuthorize(func(_ context.Context, c stdjwt.Claims) bool {
		return c.(stdjwt.MapClaims)["role"] == "admin"
	})
	srv := httptest.NewServer(jsonrpc.NewServer(jsonrpc.EndpointCodecMap{
		"whoami": {Endpoint: hs256Parser(onlyAdmin)(subject), Decode: func(context.Context, json.RawMessage) (any, error) { return nil, nil }, Encode: jsonrpc.EncodeResult},
	}, jsonrpc.ServerBefore(jwt.HTTPToContext())))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	var status int
	client := jsonrpc.NewClient(u, "whoami",
		jsonrpc.ClientBefore(jwt.ContextToHTTP()),
		jsonrpc.ClientAfter(func(ctx context.Context, r *http.Response) context.Context { status = r.StatusCode; return ctx }),
		jsonrpc.ClientResponseDecoder(jsonrpc.DecodeResult[string]))
	admin := jwt.NewSigner("", hmacKey, stdjwt.SigningMethodHS256, claims(func(c stdjwt.MapClaims) { c["role"] = "admin" }))
	user := jwt.NewSigner("", hmacKey, stdjwt.SigningMethodHS256, claims(nil))
	for _, tc := range []struct {
		name   string
		signer endpoint.Middleware
		status int
	}{
		{"no token", nil, 401},
		{"not an admin", user, 403},
		{"admin", admin, 200},
	} {
		e := client.Endpoint()
		if tc.signer != nil {
			e = tc.signer(e)
		}
		resp, err := e(context.Background(), nil)
		if status != tc.status {
			t.Errorf("%s: HTTP status %d, want %d", tc.name, status, tc.status)
		}
		if tc.status == 200 {
			if resp != "alice" || err != nil {
				t.Errorf("%s: %v, %v; want alice", tc.name, resp, err)
			}
			continue
		}
		var je *jsonrpc.Error
		if !errors.As(err, &je) || je.Code != jsonrpc.InvalidParams {
			t.Errorf("%s: err = %v, want a JSON-RPC error with code InvalidParams", tc.name, err)
		}
		if o := endpoint.Classify(context.Background(), nil, err); o.Kind != endpoint.CallerError {
			t.Errorf("%s: client's Classify = %v, want caller_error", tc.name, o)
		}
	}
}

// TestTokensNotLogged: a server that logs every error (LogErrorHandler)
// never writes a refused token, whole or in part.
func TestTokensNotLogged(t *testing.T) {
	var logs bytes.Buffer
	srv := httptest.NewServer(httptransport.NewServer(hs256Parser(jwt.ParserIssuer("https://idp.test/"))(subject),
		func(context.Context, *http.Request) (any, error) { return nil, nil },
		httptransport.EncodeJSONResponse,
		httptransport.ServerBefore(jwt.HTTPToContext()),
		httptransport.ServerErrorHandler(httptransport.LogErrorHandler(log.NewLogfmtLogger(log.NewSyncWriter(&logs))))))
	defer srv.Close()
	wrongKey := []byte("another key of thirty-two bytes!")
	tokens := []string{
		sign(t, stdjwt.SigningMethodHS256, wrongKey, "", claims(nil)),
		sign(t, stdjwt.SigningMethodHS256, hmacKey, "", claims(func(c stdjwt.MapClaims) { c["iss"] = "https://evil.test/" })),
		"eyJhbGciOiJub25lIn0.eyJzdWIiOiJtYWxsb3J5In0.",
		"not-a-jwt-at-all-but-secret-looking",
	}
	for _, tok := range tokens {
		req, _ := http.NewRequest("GET", srv.URL, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 401 {
			t.Errorf("status %d, want 401", resp.StatusCode)
		}
	}
	out := logs.String()
	if strings.Count(out, "\n") < len(tokens) {
		t.Fatalf("logged %q; want one line per refusal", out)
	}
	for _, tok := range tokens {
		for _, part := range strings.Split(tok, ".") {
			if len(part) >= 8 && strings.Contains(out, part) {
				t.Errorf("the log contains part %q of a refused token:\n%s", part, out)
			}
		}
	}
}
