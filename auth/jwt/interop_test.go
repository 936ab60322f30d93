package jwt_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http/httptest"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	stdjwt "github.com/golang-jwt/jwt/v5"

	"github.com/endpointkit/kit/auth/jwt"
	"github.com/endpointkit/kit/internal/testenv"
)

// python is Debian's interpreter: another python3 may come first on PATH
// without Debian's modules.
const python = "/usr/bin/python3"

// pyjwt runs testdata/pyjwt.py with req and decodes its answer into resp.
func pyjwt(t *testing.T, req, resp any) {
	t.Helper()
	if _, err := os.Stat(python); err != nil {
		testenv.Missing(t, python)
	}
	if err := exec.Command(python, "-c", "import jwt, cryptography").Run(); err != nil {
		testenv.Missing(t, "Python modules jwt and cryptography (Debian python3-jwt, python3-cryptography)")
	}
	in, _ := json.Marshal(req)
	var stderr bytes.Buffer
	cmd := exec.Command(python, "testdata/pyjwt.py")
	cmd.Stdin, cmd.Stderr = bytes.NewReader(in), &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pyjwt.py: %v\n%s", err, stderr.String())
	}
	if err := json.Unmarshal(out, resp); err != nil {
		t.Fatalf("pyjwt.py answer %q: %v", out, err)
	}
}

type pyToken struct {
	Alg    string         `json:"alg"`
	Kid    string         `json:"kid,omitempty"`
	Secret string         `json:"secret,omitempty"`
	Claims map[string]any `json:"claims"`
}

// TestPyJWTTokensAcceptedByKit: PyJWT generates RSA and Ed25519 keys,
// serialises them as a JWK Set (served by a real HTTP server) and mints
// HS256, RS256 and EdDSA tokens; kit verifies them, and refuses those with
// the wrong audience or expired. Then PyJWT's second set of keys is rotated
// in while calls flow.
func TestPyJWTTokensAcceptedByKit(t *testing.T) {
	now := time.Now().Unix()
	good := map[string]any{"sub": "alice", "iss": "https://idp.test/", "aud": "orders", "iat": now, "nbf": now, "exp": now + 3600}
	with := func(k string, v any) map[string]any {
		c := map[string]any{}
		for k, v := range good {
			c[k] = v
		}
		c[k] = v
		return c
	}
	secret := string(hmacKey)
	var minted struct {
		JWKS   json.RawMessage   `json:"jwks"`
		Tokens map[string]string `json:"tokens"`
	}
	pyjwt(t, map[string]any{"op": "mint",
		"keys": map[string]string{"rsa1": "RSA", "ed1": "Ed25519", "rsa2": "RSA", "ed2": "Ed25519"},
		"tokens": map[string]pyToken{
			"HS256":         {Alg: "HS256", Secret: secret, Claims: good},
			"RS256":         {Alg: "RS256", Kid: "rsa1", Claims: good},
			"EdDSA":         {Alg: "EdDSA", Kid: "ed1", Claims: good},
			"RS256 rotated": {Alg: "RS256", Kid: "rsa2", Claims: good},
			"EdDSA rotated": {Alg: "EdDSA", Kid: "ed2", Claims: good},
			"wrong aud":     {Alg: "RS256", Kid: "rsa1", Claims: with("aud", "payroll")},
			"expired":       {Alg: "EdDSA", Kid: "ed1", Claims: with("exp", now-600)},
		}}, &minted)

	// The key server publishes the first keys only, until the rotation.
	var set struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal(minted.JWKS, &set); err != nil {
		t.Fatal(err)
	}
	byKid := map[string]map[string]any{}
	for _, k := range set.Keys {
		byKid[k["kid"].(string)] = k
	}
	first := jwksDoc(byKid["rsa1"], byKid["ed1"])
	ks := &keyServer{status: 200, doc: first}
	idp := httptest.NewServer(ks)
	defer idp.Close()
	keys := jwt.NewJWKS(idp.URL, jwt.JWKSSettings{MinRefreshInterval: time.Nanosecond})
	defer keys.Close()
	opts := []jwt.ParserOption{jwt.ParserIssuer("https://idp.test/"), jwt.ParserAudience("orders")}
	viaJWKS := jwt.NewParser(keys.Keyfunc, stdjwt.SigningMethodRS256, nil,
		append(opts, jwt.ParserMethods(stdjwt.SigningMethodEdDSA))...)(subject)
	viaSecret := jwt.NewParser(func(*stdjwt.Token) (any, error) { return hmacKey, nil }, stdjwt.SigningMethodHS256, nil, opts...)(subject)

	if got, err := viaSecret(withToken(minted.Tokens["HS256"]), nil); got != "alice" || err != nil {
		t.Errorf("PyJWT HS256: %v, %v; want alice", got, err)
	}
	for _, name := range []string{"RS256", "EdDSA"} {
		if got, err := viaJWKS(withToken(minted.Tokens[name]), nil); got != "alice" || err != nil {
			t.Errorf("PyJWT %s via PyJWT's JWK Set: %v, %v; want alice", name, got, err)
		}
	}
	if _, err := viaJWKS(withToken(minted.Tokens["wrong aud"]), nil); !errors.Is(err, jwt.ErrTokenInvalidAudience) {
		t.Errorf("PyJWT token for another audience: err = %v, want ErrTokenInvalidAudience", err)
	}
	if _, err := viaJWKS(withToken(minted.Tokens["expired"]), nil); !errors.Is(err, jwt.ErrTokenExpired) {
		t.Errorf("expired PyJWT token: err = %v, want ErrTokenExpired", err)
	}
	if _, err := viaJWKS(withToken(minted.Tokens["RS256 rotated"]), nil); !errors.Is(err, jwt.ErrUnknownKey) {
		t.Errorf("token of a key not yet published: err = %v, want ErrUnknownKey", err)
	}

	// Rotation while calls flow: the server publishes all four keys, calls
	// move to the new ones, the old ones are withdrawn.
	var current atomic.Value
	current.Store([2]string{minted.Tokens["RS256"], minted.Tokens["EdDSA"]})
	stop := make(chan struct{})
	var calls, failures atomic.Int64
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for range 20000 { // bounded; stop ends it first
				select {
				case <-stop:
					return
				default:
				}
				tok := current.Load().([2]string)[g%2]
				if got, err := viaJWKS(withToken(tok), nil); got != "alice" || err != nil {
					failures.Add(1)
					t.Errorf("call during rotation: %v, %v", got, err)
					return
				}
				calls.Add(1)
			}
		})
	}
	waitCalls := func(n int64) {
		for deadline := time.Now().Add(20 * time.Second); calls.Load() < n && failures.Load() == 0 && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond) // polling a counter, bounded
		}
	}
	waitCalls(100)
	ks.set(200, jwksDoc(set.Keys...))
	current.Store([2]string{minted.Tokens["RS256 rotated"], minted.Tokens["EdDSA rotated"]})
	waitCalls(calls.Load() + 100)
	ks.set(200, jwksDoc(byKid["rsa2"], byKid["ed2"]))
	if err := keys.Refresh(context.Background()); err != nil {
		t.Errorf("Refresh: %v", err)
	}
	waitCalls(calls.Load() + 100)
	close(stop)
	wg.Wait()
	if failures.Load() > 0 {
		t.Fatalf("%d calls failed during the rotation", failures.Load())
	}
	if _, err := viaJWKS(withToken(minted.Tokens["RS256"]), nil); !errors.Is(err, jwt.ErrUnknownKey) {
		t.Errorf("token of a withdrawn key: err = %v, want ErrUnknownKey", err)
	}
	t.Logf("%d calls during the rotation, %d key set requests", calls.Load(), ks.requests.Load())
}

// TestKitTokensAcceptedByPyJWT: tokens kit's NewSigner makes (HS256, RS256,
// EdDSA) verify in PyJWT; a tampered one and one checked against another
// audience do not.
func TestKitTokensAcceptedByPyJWT(t *testing.T) {
	rsaKey := mustRSA(t)
	edPub, edKey, _ := ed25519.GenerateKey(rand.Reader)
	pemOf := func(pub any) string {
		der, err := x509.MarshalPKIXPublicKey(pub)
		if err != nil {
			t.Fatal(err)
		}
		return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	}
	signed := func(kid string, key any, method stdjwt.SigningMethod) string {
		var tok string
		e := jwt.NewSigner(kid, key, method, claims(nil))(func(ctx context.Context, _ any) (any, error) {
			tok, _ = jwt.TokenFromContext(ctx)
			return nil, nil
		})
		if _, err := e(context.Background(), nil); err != nil {
			t.Fatalf("NewSigner %s: %v", method.Alg(), err)
		}
		return tok
	}
	hs := signed("h1", hmacKey, stdjwt.SigningMethodHS256)
	rs := signed("r1", rsaKey, stdjwt.SigningMethodRS256)
	ed := signed("e1", edKey, stdjwt.SigningMethodEdDSA)
	type check struct {
		Token  string `json:"token"`
		Alg    string `json:"alg"`
		PEM    string `json:"pem,omitempty"`
		Secret string `json:"secret,omitempty"`
		Aud    string `json:"aud"`
		Iss    string `json:"iss"`
	}
	const iss = "https://idp.test/"
	var got map[string]struct {
		OK    bool   `json:"ok"`
		Sub   string `json:"sub"`
		Kid   string `json:"kid"`
		Error string `json:"error"`
	}
	pyjwt(t, map[string]any{"op": "verify", "tokens": map[string]check{
		"HS256":          {Token: hs, Alg: "HS256", Secret: string(hmacKey), Aud: "orders", Iss: iss},
		"RS256":          {Token: rs, Alg: "RS256", PEM: pemOf(&rsaKey.PublicKey), Aud: "orders", Iss: iss},
		"EdDSA":          {Token: ed, Alg: "EdDSA", PEM: pemOf(edPub), Aud: "orders", Iss: iss},
		"tampered":       {Token: rs[:len(rs)-4] + "AAAA", Alg: "RS256", PEM: pemOf(&rsaKey.PublicKey), Aud: "orders", Iss: iss},
		"other audience": {Token: ed, Alg: "EdDSA", PEM: pemOf(edPub), Aud: "payroll", Iss: iss},
	}}, &got)
	for name, kid := range map[string]string{"HS256": "h1", "RS256": "r1", "EdDSA": "e1"} {
		if r := got[name]; !r.OK || r.Sub != "alice" || r.Kid != kid {
			t.Errorf("PyJWT verifying kit's %s token: %+v; want ok, sub alice, kid %s", name, r, kid)
		}
	}
	if r := got["tampered"]; r.OK || r.Error != "InvalidSignatureError" {
		t.Errorf("PyJWT verifying a tampered token: %+v; want InvalidSignatureError", r)
	}
	if r := got["other audience"]; r.OK || r.Error != "InvalidAudienceError" {
		t.Errorf("PyJWT verifying for another audience: %+v; want InvalidAudienceError", r)
	}
}
