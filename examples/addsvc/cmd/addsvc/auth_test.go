package main

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"flag"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	stdjwt "github.com/golang-jwt/jwt/v5"

	"github.com/endpointkit/kit/auth/jwt"
)

// rotatingJWKS serves a JWK Set of one Ed25519 key that rotate replaces.
type rotatingJWKS struct {
	mu      sync.Mutex
	kid     string
	key     ed25519.PrivateKey
	fetches atomic.Int32
}

func (j *rotatingJWKS) rotate(t *testing.T, kid string) {
	t.Helper()
	_, key, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	j.mu.Lock()
	j.kid, j.key = kid, key
	j.mu.Unlock()
}

func (j *rotatingJWKS) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	j.fetches.Add(1)
	j.mu.Lock()
	defer j.mu.Unlock()
	pub := j.key.Public().(ed25519.PublicKey)
	_ = json.NewEncoder(w).Encode(map[string]any{"keys": []map[string]string{{
		"kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig", "kid": j.kid,
		"x": base64.RawURLEncoding.EncodeToString(pub),
	}}})
}

func (j *rotatingJWKS) token(t *testing.T) string {
	t.Helper()
	j.mu.Lock()
	defer j.mu.Unlock()
	tok := stdjwt.NewWithClaims(stdjwt.SigningMethodEdDSA, stdjwt.RegisteredClaims{
		Subject: "alice", ExpiresAt: stdjwt.NewNumericDate(time.Now().Add(time.Hour)),
	})
	tok.Header["kid"] = j.kid
	s, err := tok.SignedString(j.key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestJWKSMinRefreshFlag: -auth.jwks-min-refresh bounds how soon a token
// signed by a key rotated in is accepted. With 50ms, a token naming the
// new key id is refused for at most that long after the previous fetch
// and then accepted; with the default 30s it stays refused, and a flood of
// such tokens does not fetch the key set again.
func TestJWKSMinRefreshFlag(t *testing.T) {
	for _, tc := range []struct {
		minRefresh string
		accepted   bool
	}{
		{"50ms", true},
		{"30s", false},
	} {
		t.Run(tc.minRefresh, func(t *testing.T) {
			keys := &rotatingJWKS{}
			keys.rotate(t, "k1")
			srv := httptest.NewServer(keys)
			defer srv.Close()
			fs := flag.NewFlagSet("addsvc", flag.ContinueOnError)
			f := registerAuthFlags(fs)
			if err := fs.Parse([]string{"-auth.jwks", srv.URL, "-auth.jwt-algs", "EdDSA", "-auth.jwks-min-refresh", tc.minRefresh}); err != nil {
				t.Fatal(err)
			}
			mw, release, err := f.middleware(false)
			if err != nil {
				t.Fatal(err)
			}
			defer release()
			ep := mw(func(context.Context, any) (any, error) { return "ok", nil })
			call := func(token string) error {
				_, err := ep(context.WithValue(context.Background(), jwt.JWTContextKey, token), nil)
				return err
			}
			if err := call(keys.token(t)); err != nil {
				t.Fatalf("token of the first key: %v", err)
			}
			keys.rotate(t, "k2")
			rotated := keys.token(t)
			deadline := time.Now().Add(2 * time.Second)
			err = call(rotated)
			for err != nil && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond) // polling interval: the refresh is rate-limited by the clock
				err = call(rotated)
			}
			if got := err == nil; got != tc.accepted {
				t.Errorf("token of the rotated key accepted = %v (%v), want %v", got, err, tc.accepted)
			}
			if !tc.accepted && keys.fetches.Load() > 2 {
				t.Errorf("%d fetches of the key set within the 30s bound, want at most 2", keys.fetches.Load())
			}
		})
	}
}
