package jwt_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	stdjwt "github.com/golang-jwt/jwt/v5"

	"github.com/endpointkit/kit/auth/jwt"
	httptransport "github.com/endpointkit/kit/transport/http"
)

func rawb64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func rsaJWK(kid string, k *rsa.PublicKey) map[string]any {
	return map[string]any{"kty": "RSA", "kid": kid, "use": "sig",
		"n": rawb64(k.N.Bytes()), "e": rawb64(big.NewInt(int64(k.E)).Bytes())}
}

func edJWK(kid string, k ed25519.PublicKey) map[string]any {
	return map[string]any{"kty": "OKP", "crv": "Ed25519", "kid": kid, "x": rawb64(k)}
}

func jwksDoc(keys ...map[string]any) []byte {
	b, _ := json.Marshal(map[string]any{"keys": keys})
	return b
}

// keyServer serves a JWK Set whose content, status and speed a test
// changes while it runs, and counts the requests it gets.
type keyServer struct {
	requests atomic.Int64

	mu     sync.Mutex // guards doc, status, hold
	doc    []byte
	status int
	hold   chan struct{} // when set, requests wait for it to close
}

func (s *keyServer) set(status int, doc []byte) {
	s.mu.Lock()
	s.status, s.doc = status, doc
	s.mu.Unlock()
}

func (s *keyServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	s.mu.Lock()
	status, doc, hold := s.status, s.doc, s.hold
	s.mu.Unlock()
	if hold != nil {
		select {
		case <-hold:
		case <-r.Context().Done():
			return
		}
	}
	w.Header().Set("Content-Type", "application/jwk-set+json")
	w.WriteHeader(status)
	_, _ = w.Write(doc)
}

// inProcess is an http.RoundTripper that calls a handler directly, so
// that a key server can run inside a synctest bubble.
type inProcess struct{ h http.Handler }

func (t inProcess) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, r)
	if err := r.Context().Err(); err != nil {
		return nil, err
	}
	return rec.Result(), nil
}

// rs256 is a parser over keys for RS256 and EdDSA tokens, as an endpoint
// answering the token's sub.
func rs256(keys *jwt.JWKS) func(tok string) (any, error) {
	e := jwt.NewParser(keys.Keyfunc, stdjwt.SigningMethodRS256, nil, jwt.ParserMethods(stdjwt.SigningMethodEdDSA))(subject)
	return func(tok string) (any, error) { return e(withToken(tok), nil) }
}

// TestJWKSRotationWhileTrafficFlows serves a JWKS from a real HTTP server
// and rotates its keys while clients call a real kit HTTP server: a new kid
// is fetched on first sight, no call fails during the rotation, and after
// the old key is withdrawn (and the set refreshed) its tokens are refused.
func TestJWKSRotationWhileTrafficFlows(t *testing.T) {
	keyA, keyB := mustRSA(t), mustRSA(t)
	ks := &keyServer{status: 200, doc: jwksDoc(rsaJWK("a", &keyA.PublicKey))}
	idp := httptest.NewServer(ks)
	defer idp.Close()
	keys := jwt.NewJWKS(idp.URL, jwt.JWKSSettings{RefreshInterval: -1, MinRefreshInterval: time.Nanosecond})
	defer keys.Close()

	e := jwt.NewParser(keys.Keyfunc, stdjwt.SigningMethodRS256, nil)(subject)
	api := httptest.NewServer(httptransport.NewServer(e,
		func(context.Context, *http.Request) (any, error) { return nil, nil },
		httptransport.EncodeJSONResponse,
		httptransport.ServerBefore(jwt.HTTPToContext())))
	defer api.Close()

	tokA := sign(t, stdjwt.SigningMethodRS256, keyA, "a", claims(nil))
	tokB := sign(t, stdjwt.SigningMethodRS256, keyB, "b", claims(nil))
	call := func(tok string) (int, error) {
		req, _ := http.NewRequest("GET", api.URL, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := api.Client().Do(req)
		if err != nil {
			return 0, err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, nil
	}

	var current atomic.Pointer[string]
	current.Store(&tokA)
	var ok, failed atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for i := 0; i < 5000; i++ { // bounded; stop normally ends it first
				select {
				case <-stop:
					return
				default:
				}
				code, err := call(*current.Load())
				if err != nil || code != 200 {
					failed.Add(1)
					t.Errorf("call during rotation: %d, %v; want 200", code, err)
					return
				}
				ok.Add(1)
			}
		})
	}
	waitFor := func(n int64) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for ok.Load() < n && failed.Load() == 0 && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond) // polling a counter, bounded
		}
	}
	waitFor(50)
	ks.set(200, jwksDoc(rsaJWK("a", &keyA.PublicKey), rsaJWK("b", &keyB.PublicKey)))
	current.Store(&tokB) // clients move to the new key: its kid is unknown until fetched
	waitFor(ok.Load() + 50)
	ks.set(200, jwksDoc(rsaJWK("b", &keyB.PublicKey)))
	if err := keys.Refresh(context.Background()); err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	waitFor(ok.Load() + 50)
	close(stop)
	wg.Wait()
	if failed.Load() != 0 {
		t.Fatalf("%d calls failed during rotation", failed.Load())
	}
	if code, err := call(tokA); code != http.StatusUnauthorized || err != nil {
		t.Errorf("token of the withdrawn key: %d, %v; want 401", code, err)
	}
	if code, err := call(tokB); code != 200 || err != nil {
		t.Errorf("token of the new key: %d, %v; want 200", code, err)
	}
	t.Logf("%d calls, %d key set requests", ok.Load(), ks.requests.Load())
}

// TestJWKSUnknownKidFlood sends a flood of tokens with unknown kids: the
// key server sees at most one request per MinRefreshInterval.
func TestJWKSUnknownKidFlood(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		key := mustRSA(t)
		ks := &keyServer{status: 200, doc: jwksDoc(rsaJWK("a", &key.PublicKey))}
		keys := jwt.NewJWKS("http://idp.invalid/jwks", jwt.JWKSSettings{
			Client: &http.Client{Transport: inProcess{ks}}, RefreshInterval: -1, MinRefreshInterval: time.Minute})
		defer keys.Close()
		call := rs256(keys)
		good := sign(t, stdjwt.SigningMethodRS256, key, "a", claims(nil))
		if got, err := call(good); got != "alice" || err != nil {
			t.Fatalf("first call: %v, %v", got, err)
		}
		flood := func() {
			var wg sync.WaitGroup
			for g := range 20 {
				wg.Go(func() {
					for i := range 50 {
						// The kid is looked up before the signature is checked,
						// so a good token's payload and signature serve.
						tok := b64(fmt.Sprintf(`{"alg":"RS256","kid":"k%d-%d"}`, g, i)) + good[strings.Index(good, "."):]
						if _, err := call(tok); !errors.Is(err, jwt.ErrUnknownKey) {
							t.Errorf("unknown kid: err = %v, want ErrUnknownKey", err)
						}
					}
				})
			}
			wg.Wait()
		}
		flood()
		if n := ks.requests.Load(); n != 1 {
			t.Errorf("key set requests after a flood within MinRefreshInterval of the first fetch: %d, want 1", n)
		}
		time.Sleep(time.Minute)
		flood()
		if n := ks.requests.Load(); n != 2 {
			t.Errorf("key set requests after a second flood a minute later: %d, want 2", n)
		}
		if got, err := call(good); got != "alice" || err != nil {
			t.Errorf("good call after the flood: %v, %v", got, err)
		}
	})
}

// TestJWKSKeyServerTrouble makes the key server fail in each way while
// tokens of known keys keep passing (stale but usable); a token of an
// unknown key is refused, and the server's recovery is seen.
func TestJWKSKeyServerTrouble(t *testing.T) {
	key, newKey := mustRSA(t), mustRSA(t)
	good := jwksDoc(rsaJWK("a", &key.PublicKey))
	ks := &keyServer{status: 200, doc: good}
	idp := httptest.NewServer(ks)
	defer idp.Close()
	keys := jwt.NewJWKS(idp.URL, jwt.JWKSSettings{RefreshInterval: -1, MinRefreshInterval: time.Nanosecond,
		FetchTimeout: 300 * time.Millisecond, MaxBytes: 64 << 10})
	defer keys.Close()
	call := rs256(keys)
	tok := sign(t, stdjwt.SigningMethodRS256, key, "a", claims(nil))
	newTok := sign(t, stdjwt.SigningMethodRS256, newKey, "new", claims(nil))
	if err := keys.Refresh(context.Background()); err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	weak, _ := rsa.GenerateKey(rand.Reader, 1024)
	for _, tc := range []struct {
		name   string
		status int
		doc    []byte
	}{
		{"down (500)", 500, []byte("oops")},
		{"not found", 404, nil},
		{"not JSON", 200, []byte("<html>hello</html>")},
		{"truncated JSON", 200, good[:len(good)/2]},
		{"empty set", 200, jwksDoc()},
		{"only unusable keys", 200, jwksDoc(
			map[string]any{"kty": "oct", "kid": "new", "k": rawb64(hmacKey)},
			rsaJWK("weak", &weak.PublicKey),
			map[string]any{"kty": "RSA", "kid": "new", "n": "!!", "e": "AQAB"},
			map[string]any{"kty": "OKP", "crv": "X25519", "kid": "x", "x": rawb64(make([]byte, 32))},
			map[string]any{"kty": "EC", "crv": "P-256", "kid": "ec", "x": rawb64(make([]byte, 32)), "y": rawb64(make([]byte, 32))},
			map[string]any{"kty": "RSA", "kid": "enc", "use": "enc", "n": rawb64(newKey.N.Bytes()), "e": "AQAB"},
		)},
		{"oversized", 200, []byte(`{"keys":[` + strings.Repeat(" ", 65<<10) + `]}`)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ks.set(tc.status, tc.doc)
			if err := keys.Refresh(context.Background()); err == nil {
				t.Errorf("Refresh: err = nil, want the fetch's failure")
			}
			if _, err := keys.Status(); err == nil {
				t.Errorf("Status: err = nil after a failed fetch")
			}
			if got, err := call(tok); got != "alice" || err != nil {
				t.Errorf("known key while the key server fails: %v, %v; want alice (stale keys usable)", got, err)
			}
			if _, err := call(newTok); !errors.Is(err, jwt.ErrUnknownKey) {
				t.Errorf("unknown key while the key server fails: err = %v, want ErrUnknownKey", err)
			}
			ks.set(200, good)
			if err := keys.Refresh(context.Background()); err != nil {
				t.Errorf("Refresh after recovery: %v", err)
			}
		})
	}

	t.Run("slow", func(t *testing.T) {
		hold := make(chan struct{})
		ks.mu.Lock()
		ks.hold = hold
		ks.mu.Unlock()
		defer func() {
			ks.mu.Lock()
			ks.hold = nil
			ks.mu.Unlock()
			close(hold)
		}()
		refreshed := make(chan error, 1)
		go func() { refreshed <- keys.Refresh(context.Background()) }()
		// While a fetch hangs, known keys verify without waiting for it.
		for range 20 {
			if got, err := call(tok); got != "alice" || err != nil {
				t.Fatalf("known key while the key server hangs: %v, %v", got, err)
			}
		}
		start := time.Now()
		if _, err := call(newTok); !errors.Is(err, jwt.ErrUnknownKey) {
			t.Errorf("unknown key while the key server hangs: err = %v, want ErrUnknownKey", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("unknown key waited %v, want at most about FetchTimeout (300ms)", d)
		}
		if err := <-refreshed; err == nil {
			t.Error("Refresh of a hanging key server: err = nil, want a timeout")
		}
	})
	if got, err := call(tok); got != "alice" || err != nil {
		t.Errorf("known key after all that: %v, %v", got, err)
	}
}

// TestJWKSMaxStale: keys older than MaxStale are not used (503), and the
// key server's recovery brings them back.
func TestJWKSMaxStale(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		key := mustRSA(t)
		ks := &keyServer{status: 200, doc: jwksDoc(rsaJWK("a", &key.PublicKey))}
		keys := jwt.NewJWKS("http://idp.invalid/jwks", jwt.JWKSSettings{Client: &http.Client{Transport: inProcess{ks}},
			RefreshInterval: time.Hour, MinRefreshInterval: time.Minute, MaxStale: 3 * time.Hour})
		defer keys.Close()
		synctest.Wait() // the background fetch
		if n := ks.requests.Load(); n != 1 {
			t.Fatalf("requests after start: %d, want 1 (the background fetch)", n)
		}
		call := rs256(keys)
		tok := sign(t, stdjwt.SigningMethodRS256, key, "a", claims(func(c stdjwt.MapClaims) { c["exp"] = time.Now().Add(24 * time.Hour).Unix() }))
		ks.set(503, nil)
		time.Sleep(2*time.Hour + time.Second)
		if got, err := call(tok); got != "alice" || err != nil {
			t.Errorf("2h after the last good fetch: %v, %v; want alice (stale but usable)", got, err)
		}
		time.Sleep(time.Hour)
		_, err := call(tok)
		var je *jwt.Error
		if !errors.Is(err, jwt.ErrKeysUnavailable) || !errors.As(err, &je) || je.StatusCode() != 503 {
			t.Errorf("3h after the last good fetch: err = %v, want 503 ErrKeysUnavailable", err)
		}
		ks.set(200, jwksDoc(rsaJWK("a", &key.PublicKey)))
		time.Sleep(time.Minute)
		if got, err := call(tok); got != "alice" || err != nil {
			t.Errorf("after the key server recovered: %v, %v; want alice", got, err)
		}
		if n := ks.requests.Load(); n != 5 { // start, hourly at 1h, 2h and 3h (the 3h+1s call is rate-limited), the recovered call
			t.Errorf("requests: %d, want 5", n)
		}
	})
}

func TestJWKSNeverReachable(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ks := &keyServer{status: 500}
		keys := jwt.NewJWKS("http://idp.invalid/jwks", jwt.JWKSSettings{Client: &http.Client{Transport: inProcess{ks}},
			RefreshInterval: -1, MinRefreshInterval: time.Minute})
		defer keys.Close()
		call := rs256(keys)
		tok := sign(t, stdjwt.SigningMethodRS256, mustRSA(t), "a", claims(nil))
		for range 100 {
			if _, err := call(tok); !errors.Is(err, jwt.ErrKeysUnavailable) {
				t.Fatalf("call with no keys ever fetched: err = %v, want ErrKeysUnavailable", err)
			}
		}
		if n := ks.requests.Load(); n != 1 {
			t.Errorf("requests for 100 calls within MinRefreshInterval: %d, want 1", n)
		}
	})
}

// TestJWKSKeyFitsAlg: a key verifies only its own algorithms, whatever the
// token's header says.
func TestJWKSKeyFitsAlg(t *testing.T) {
	rsaKey := mustRSA(t)
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecJWK := map[string]any{"kty": "EC", "crv": "P-256", "kid": "ec",
		"x": rawb64(ecKey.X.FillBytes(make([]byte, 32))), "y": rawb64(ecKey.Y.FillBytes(make([]byte, 32)))}
	pinned := rsaJWK("pinned", &rsaKey.PublicKey)
	pinned["alg"] = "RS256"
	ks := &keyServer{status: 200, doc: jwksDoc(rsaJWK("rsa", &rsaKey.PublicKey), edJWK("ed", edKey.Public().(ed25519.PublicKey)), ecJWK, pinned)}
	idp := httptest.NewServer(ks)
	defer idp.Close()
	keys := jwt.NewJWKS(idp.URL, jwt.JWKSSettings{RefreshInterval: -1})
	defer keys.Close()
	// A server that (unwisely) allows HMAC beside the asymmetric algorithms.
	e := jwt.NewParser(keys.Keyfunc, stdjwt.SigningMethodRS256, nil, jwt.ParserMethods(
		stdjwt.SigningMethodHS256, stdjwt.SigningMethodEdDSA, stdjwt.SigningMethodES256, stdjwt.SigningMethodPS256))(subject)
	rsaN := []byte(rsaJWK("", &rsaKey.PublicKey)["n"].(string))
	for _, tc := range []struct {
		name string
		tok  string
		want error
	}{
		{"RS256 by rsa", sign(t, stdjwt.SigningMethodRS256, rsaKey, "rsa", claims(nil)), nil},
		{"PS256 by rsa", sign(t, stdjwt.SigningMethodPS256, rsaKey, "rsa", claims(nil)), nil},
		{"EdDSA by ed", sign(t, stdjwt.SigningMethodEdDSA, edKey, "ed", claims(nil)), nil},
		{"ES256 by ec", sign(t, stdjwt.SigningMethodES256, ecKey, "ec", claims(nil)), nil},
		{"RS256 by pinned", sign(t, stdjwt.SigningMethodRS256, rsaKey, "pinned", claims(nil)), nil},
		{"PS256 by pinned RS256", sign(t, stdjwt.SigningMethodPS256, rsaKey, "pinned", claims(nil)), jwt.ErrUnexpectedSigningMethod},
		{"HS256 naming the rsa key", sign(t, stdjwt.SigningMethodHS256, rsaN, "rsa", claims(nil)), jwt.ErrUnexpectedSigningMethod},
		{"EdDSA naming the rsa key", sign(t, stdjwt.SigningMethodEdDSA, edKey, "rsa", claims(nil)), jwt.ErrUnexpectedSigningMethod},
		{"RS256 naming the ed key", sign(t, stdjwt.SigningMethodRS256, rsaKey, "ed", claims(nil)), jwt.ErrUnexpectedSigningMethod},
		{"no kid, several keys", sign(t, stdjwt.SigningMethodRS256, rsaKey, "", claims(nil)), jwt.ErrUnknownKey},
	} {
		got, err := e(withToken(tc.tok), nil)
		if tc.want == nil {
			if got != "alice" || err != nil {
				t.Errorf("%s: %v, %v; want alice, nil", tc.name, got, err)
			}
			continue
		}
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
	}
}

// TestJWKSBackgroundRefreshAndClose: the set is refetched every
// RefreshInterval until Close, which stops the goroutine (goleak checks
// that no goroutine outlives the tests).
func TestJWKSBackgroundRefreshAndClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		key := mustRSA(t)
		ks := &keyServer{status: 200, doc: jwksDoc(rsaJWK("a", &key.PublicKey))}
		keys := jwt.NewJWKS("http://idp.invalid/jwks", jwt.JWKSSettings{Client: &http.Client{Transport: inProcess{ks}}})
		synctest.Wait()
		time.Sleep(3*time.Hour + time.Second)
		if n := ks.requests.Load(); n != 4 {
			t.Errorf("requests after 3h with the default 1h interval: %d, want 4", n)
		}
		fetched, err := keys.Status()
		if err != nil || fetched.IsZero() {
			t.Errorf("Status() = %v, %v; want a fetch time and nil", fetched, err)
		}
		keys.Close()
		time.Sleep(5 * time.Hour)
		if n := ks.requests.Load(); n != 4 {
			t.Errorf("requests after Close: %d, want still 4", n)
		}
		// Keys already fetched stay usable after Close.
		if got, err := rs256(keys)(sign(t, stdjwt.SigningMethodRS256, key, "a", claims(func(c stdjwt.MapClaims) {
			c["exp"] = time.Now().Add(time.Hour).Unix()
		}))); got != "alice" || err != nil {
			t.Errorf("call after Close: %v, %v", got, err)
		}
	})
}
