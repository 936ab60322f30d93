package jwt_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	stdjwt "github.com/golang-jwt/jwt/v5"

	"github.com/endpointkit/kit/auth/jwt"
	"github.com/endpointkit/kit/internal/testenv"
)

// hydra is a running Ory Hydra (scripts/build-hydra.sh builds it) with an
// in-memory database, issuing JWT access tokens.
type hydra struct {
	public, admin string // base URLs
}

// freePort returns a loopback port that was free a moment ago.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}

func startHydra(t *testing.T) *hydra {
	t.Helper()
	bin := testenv.LookPath(t, "hydra")
	pub, adm := freePort(t), freePort(t)
	h := &hydra{public: "http://127.0.0.1:" + pub, admin: "http://127.0.0.1:" + adm}
	cmd := exec.Command(bin, "serve", "all", "--dev")
	cmd.Env = append(os.Environ(),
		"DSN=memory", "LOG_LEVEL=warn", "STRATEGIES_ACCESS_TOKEN=jwt",
		"SECRETS_SYSTEM=a-system-secret-of-32-bytes-or-more",
		"URLS_SELF_ISSUER="+h.public+"/",
		"SERVE_PUBLIC_HOST=127.0.0.1", "SERVE_PUBLIC_PORT="+pub,
		"SERVE_ADMIN_HOST=127.0.0.1", "SERVE_ADMIN_PORT="+adm)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(h.admin + "/health/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return h
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("hydra not ready after 30s: %v\n%s", err, out.String())
		}
		time.Sleep(50 * time.Millisecond) // no signal to wait for but the endpoint
	}
}

// do sends a request and decodes its JSON answer into v, failing t on any
// status but want.
func (h *hydra) do(t *testing.T, req *http.Request, want int, v any) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: %d %s; want %d", req.Method, req.URL, resp.StatusCode, body, want)
	}
	if v != nil {
		if err := json.Unmarshal(body, v); err != nil {
			t.Fatalf("%s %s: %v in %s", req.Method, req.URL, err, body)
		}
	}
}

// client registers an OAuth2 client allowed the client_credentials grant
// for audience, and returns its id and secret.
func (h *hydra) client(t *testing.T, audience string) (id, secret string) {
	t.Helper()
	body := fmt.Sprintf(`{"grant_types":["client_credentials"],"audience":[%q],"token_endpoint_auth_method":"client_secret_basic"}`, audience)
	req, _ := http.NewRequest("POST", h.admin+"/admin/clients", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	var c struct {
		ID     string `json:"client_id"`
		Secret string `json:"client_secret"`
	}
	h.do(t, req, http.StatusCreated, &c)
	return c.ID, c.Secret
}

// token gets a JWT access token for audience with the client credentials
// grant (RFC 6749 §4.4).
func (h *hydra) token(t *testing.T, id, secret, audience string) string {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "audience": {audience}}
	req, _ := http.NewRequest("POST", h.public+"/oauth2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	h.do(t, req, http.StatusOK, &tok)
	return tok.AccessToken
}

// rotate adds a new RS256 key named kid to the key set Hydra signs access
// tokens with; Hydra signs with the newest key from then on.
func (h *hydra) rotate(t *testing.T, kid string) {
	t.Helper()
	req, _ := http.NewRequest("POST", h.admin+"/admin/keys/hydra.jwt.access-token",
		strings.NewReader(fmt.Sprintf(`{"alg":"RS256","use":"sig","kid":%q}`, kid)))
	req.Header.Set("Content-Type", "application/json")
	h.do(t, req, http.StatusCreated, nil)
}

// TestHydraTokensAcceptedByKit: a real OAuth2/OpenID Connect server, Ory
// Hydra, issues RS256 JWT access tokens (client credentials grant) and
// serves its JWK Set; kit's JWKS and NewParser verify them with Hydra's
// issuer and the audience asked for, and refuse a token for another
// audience. Then Hydra's signing key is rotated while calls with the
// first token flow: tokens of the new key are accepted after one refetch,
// and no call with the first token fails.
func TestHydraTokensAcceptedByKit(t *testing.T) {
	h := startHydra(t)
	id, secret := h.client(t, "orders")
	keys := jwt.NewJWKS(h.public+"/.well-known/jwks.json", jwt.JWKSSettings{MinRefreshInterval: time.Nanosecond})
	defer keys.Close()
	verify := jwt.NewParser(keys.Keyfunc, stdjwt.SigningMethodRS256, nil,
		jwt.ParserIssuer(h.public+"/"), jwt.ParserAudience("orders"), jwt.ParserRequireExpiry())(subject)

	first := h.token(t, id, secret, "orders")
	if got, err := verify(withToken(first), nil); got != id || err != nil {
		t.Fatalf("Hydra's token: %v, %v; want the client id %s as subject", got, err, id)
	}

	other, otherSecret := h.client(t, "billing")
	if _, err := verify(withToken(h.token(t, other, otherSecret, "billing")), nil); err == nil || !strings.Contains(err.Error(), "audience") {
		t.Errorf("Hydra's token for another audience: err = %v, want the wrong-audience refusal", err)
	}

	// Calls with the first token flow while the key rotates.
	var (
		stop     atomic.Bool
		wg       sync.WaitGroup
		calls    atomic.Int64
		failures atomic.Int64
		firstErr atomic.Value
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for !stop.Load() {
			if _, err := verify(withToken(first), nil); err != nil {
				failures.Add(1)
				firstErr.CompareAndSwap(nil, err.Error())
			}
			calls.Add(1)
		}
	}()
	h.rotate(t, "rotated-1")
	rotated := h.token(t, id, secret, "orders")
	tok, _, err := stdjwt.NewParser().ParseUnverified(rotated, stdjwt.MapClaims{})
	if err != nil || tok.Header["kid"] != "rotated-1" {
		t.Fatalf("token after the rotation: kid %v, %v; want rotated-1", tok.Header["kid"], err)
	}
	if got, err := verify(withToken(rotated), nil); got != id || err != nil {
		t.Errorf("token of the rotated key: %v, %v; want %s", got, err, id)
	}
	// And after it, now that kit holds the new key set.
	for range 50 {
		if _, err := verify(withToken(first), nil); err != nil {
			t.Fatalf("first token after the rotation: %v", err)
		}
	}
	stop.Store(true)
	wg.Wait()
	if n := failures.Load(); n != 0 {
		t.Errorf("%d of %d calls with the first token failed during the rotation (first: %v)", n, calls.Load(), firstErr.Load())
	}
}
