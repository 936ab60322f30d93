package basic_test

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/endpointkit/kit/auth/basic"
	"github.com/endpointkit/kit/endpoint"
	httptransport "github.com/endpointkit/kit/transport/http"
)

func header(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

// ctxWith is what HTTPToContext puts in the context for the given values.
func ctxWith(values ...string) context.Context {
	r := httptest.NewRequest("GET", "/", nil)
	for _, v := range values {
		r.Header.Add("Authorization", v)
	}
	return basic.HTTPToContext()(context.Background(), r)
}

func TestAuthMiddleware(t *testing.T) {
	var sawUser string
	e := basic.AuthMiddleware("admin", "s3cret:x", "ops")(func(ctx context.Context, _ any) (any, error) {
		sawUser, _ = basic.UserFromContext(ctx)
		return "ok", nil
	})
	for _, tc := range []struct {
		name    string
		ctx     context.Context
		wantErr error
	}{
		{"good", ctxWith(header("admin", "s3cret:x")), nil},
		{"scheme is case-insensitive", ctxWith(strings.Replace(header("admin", "s3cret:x"), "Basic", "bAsIc", 1)), nil},
		{"no header in ctx", context.Background(), basic.ErrMissingCredentials},
		{"empty header", ctxWith(), basic.ErrMissingCredentials},
		{"wrong password", ctxWith(header("admin", "s3cret")), basic.ErrInvalidCredentials},
		{"wrong user", ctxWith(header("root", "s3cret:x")), basic.ErrInvalidCredentials},
		{"password prefix", ctxWith(header("admin", "s3cret:x2")), basic.ErrInvalidCredentials},
		{"empty both", ctxWith(header("", "")), basic.ErrInvalidCredentials},
		{"bearer scheme", ctxWith("Bearer abc"), basic.ErrMalformedCredentials},
		{"bad base64", ctxWith("Basic !!!"), basic.ErrMalformedCredentials},
		{"no colon", ctxWith("Basic " + base64.StdEncoding.EncodeToString([]byte("admin"))), basic.ErrMalformedCredentials},
		{"duplicated header", ctxWith(header("admin", "s3cret:x"), header("admin", "s3cret:x")), basic.ErrMalformedCredentials},
		{"oversized header", ctxWith(header("admin", strings.Repeat("x", basic.MaxHeaderBytes))), basic.ErrMalformedCredentials},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sawUser = ""
			resp, err := e(tc.ctx, nil)
			if tc.wantErr == nil {
				if err != nil || resp != "ok" || sawUser != "admin" {
					t.Fatalf("call = %v, %v (user %q), want ok, nil (user admin)", resp, err, sawUser)
				}
				return
			}
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("call: err = %v, want %v", err, tc.wantErr)
			}
			var ae basic.AuthError
			if !errors.As(err, &ae) || ae.Realm != "ops" {
				t.Fatalf("call: err = %#v, want AuthError for realm ops", err)
			}
			if o := endpoint.Classify(context.Background(), nil, err); o.Kind != endpoint.CallerError || o.Retryable {
				t.Errorf("Classify(%v) = %v, want caller_error", err, o)
			}
			if strings.Contains(err.Error(), "s3cret") || strings.Contains(err.Error(), "admin") {
				t.Errorf("error %q contains credentials", err)
			}
		})
	}
}

func TestPopulateRequestContextServesToo(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", header("u", "p"))
	ctx := httptransport.PopulateRequestContext(context.Background(), r)
	e := basic.AuthMiddleware("u", "p", "r")(endpoint.Nop)
	if _, err := e(ctx, nil); err != nil {
		t.Fatalf("call with PopulateRequestContext's ctx: %v, want nil", err)
	}
}

func TestCheckFuncErrorIsNotACallerError(t *testing.T) {
	down := errors.New("user store down")
	e := basic.NewMiddleware("r", func(context.Context, string, string) (bool, error) { return false, down })(endpoint.Nop)
	_, err := e(ctxWith(header("u", "p")), nil)
	if !errors.Is(err, down) {
		t.Fatalf("call: err = %v, want the check's error", err)
	}
	var ae basic.AuthError
	if errors.As(err, &ae) {
		t.Errorf("call: err = %v is an AuthError; a failing check is not the caller's fault", err)
	}
}

func TestStatic(t *testing.T) {
	check := basic.Static("user", "pass")
	for _, tc := range []struct {
		u, p string
		want bool
	}{
		{"user", "pass", true},
		{"user", "pas", false},
		{"user", "passs", false},
		{"use", "pass", false},
		{"userpass", "", false},
		{"", "", false},
		{"user", "passpass", false},
		{"useruser", "pass", false},
	} {
		if got, err := check(context.Background(), tc.u, tc.p); got != tc.want || err != nil {
			t.Errorf("Static(user, pass)(%q, %q) = %v, %v; want %v, nil", tc.u, tc.p, got, err, tc.want)
		}
	}
	// An empty password is a password like another: only "" matches it.
	empty := basic.Static("user", "")
	for p, want := range map[string]bool{"": true, "\x00": false, "pass": false} {
		if got, _ := empty(context.Background(), "user", p); got != want {
			t.Errorf("Static(user, \"\")(user, %q) = %v, want %v", p, got, want)
		}
	}
}

// TestOverHTTP runs the middleware behind transport/http's Server over
// loopback: refusals are 401 with the challenge, and a good request after
// each bad one is served.
func TestOverHTTP(t *testing.T) {
	e := basic.AuthMiddleware("admin", "pw", `ops "east"`)(func(ctx context.Context, _ any) (any, error) {
		u, _ := basic.UserFromContext(ctx)
		return map[string]string{"user": u}, nil
	})
	srv := httptest.NewServer(httptransport.NewServer(e,
		func(context.Context, *http.Request) (any, error) { return nil, nil },
		httptransport.EncodeJSONResponse,
		httptransport.ServerBefore(basic.HTTPToContext())))
	defer srv.Close()

	do := func(headers ...string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.URL, nil)
		for _, h := range headers {
			req.Header.Add("Authorization", h)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatalf("GET: %v", err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	bad := map[string][]string{
		"none":       nil,
		"wrong":      {header("admin", "nope")},
		"duplicated": {header("admin", "pw"), header("admin", "pw")},
		"oversized":  {header("admin", strings.Repeat("p", 64<<10))},
		"garbage":    {"Basic %%%"},
	}
	for name, hs := range bad {
		resp, body := do(hs...)
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s: status = %d, want 401", name, resp.StatusCode)
		}
		if got, want := resp.Header.Get("WWW-Authenticate"), `Basic realm="ops \"east\"", charset="UTF-8"`; got != want {
			t.Errorf("%s: WWW-Authenticate = %q, want %q", name, got, want)
		}
		if strings.Contains(body, "nope") || strings.Contains(body, "pw") {
			t.Errorf("%s: body %q echoes credentials", name, body)
		}
		resp, body = do(header("admin", "pw"))
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"user":"admin"`) {
			t.Errorf("good request after %s: %d %q, want 200 with user admin", name, resp.StatusCode, body)
		}
	}
}

func TestParse(t *testing.T) {
	u, p, err := basic.Parse(header("a", "b:c"))
	if u != "a" || p != "b:c" || err != nil {
		t.Errorf("Parse(a:b:c) = %q, %q, %v; want a, b:c, nil", u, p, err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add(header("admin", "pw"))
	f.Add("Basic ")
	f.Add("basic Og==")
	f.Add("Bearer x.y.z")
	f.Fuzz(func(t *testing.T, h string) {
		u, p, err := basic.Parse(h)
		if err != nil {
			if !errors.Is(err, basic.ErrMissingCredentials) && !errors.Is(err, basic.ErrMalformedCredentials) {
				t.Fatalf("Parse(%q): err = %v, not a sentinel", h, err)
			}
			if len(h) >= 12 && strings.Contains(err.Error(), h) {
				t.Fatalf("Parse(%q): error echoes the header", h)
			}
			return
		}
		if strings.Contains(u, ":") {
			t.Fatalf("Parse(%q): user %q contains a colon", h, u)
		}
		// What parses re-encodes to the same credentials.
		u2, p2, err := basic.Parse(header(u, p))
		if err != nil || u2 != u || p2 != p {
			t.Fatalf("Parse(re-encoded %q:%q) = %q, %q, %v", u, p, u2, p2, err)
		}
	})
}

func BenchmarkAuthMiddleware(b *testing.B) {
	e := basic.AuthMiddleware("admin", "correct horse battery staple", "r")(endpoint.Nop)
	ctx := ctxWith(header("admin", "correct horse battery staple"))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e(ctx, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func TestUserContextKeepsCancellation(t *testing.T) {
	ctx, cancel := context.WithCancel(ctxWith(header("u", "p")))
	var inner context.Context
	e := basic.AuthMiddleware("u", "p", "r")(func(ctx context.Context, _ any) (any, error) {
		inner = ctx
		return nil, nil
	})
	if _, err := e(ctx, nil); err != nil {
		t.Fatal(err)
	}
	child, stop := context.WithCancel(inner)
	defer stop()
	cancel()
	<-child.Done() // a parent's cancellation reaches through the user's context
	if u, ok := basic.UserFromContext(child); u != "u" || !ok {
		t.Errorf("UserFromContext(child) = %q, %v; want u, true", u, ok)
	}
	if inner.Err() == nil {
		t.Error("inner.Err() = nil after the parent was cancelled")
	}
}

func TestAuthMiddlewareAllocs(t *testing.T) {
	e := basic.AuthMiddleware("admin", "pw", "r")(endpoint.Nop)
	ctx := ctxWith(header("admin", "pw"))
	// The decoded credentials (2: the bytes and their string) and the
	// user's context (1).
	if n := testing.AllocsPerRun(100, func() { _, _ = e(ctx, nil) }); n > 3 {
		t.Errorf("allocs per call = %v, want at most 3", n)
	}
}

func TestRealmQuoting(t *testing.T) {
	for realm, want := range map[string]string{
		"ops":          `Basic realm="ops", charset="UTF-8"`,
		`a "b" \c`:     `Basic realm="a \"b\" \\c", charset="UTF-8"`,
		"café":         `Basic realm="café", charset="UTF-8"`,
		"line\r\nX: y": `Basic realm="lineX: y", charset="UTF-8"`,
	} {
		if got := (basic.AuthError{Realm: realm}).Headers().Get("WWW-Authenticate"); got != want {
			t.Errorf("challenge for realm %q = %q, want %q", realm, got, want)
		}
	}
}

func TestHTTPHandler(t *testing.T) {
	hello := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, _ := basic.UserFromContext(r.Context())
		_, _ = io.WriteString(w, "hello "+u)
	})
	srv := httptest.NewServer(basic.HTTPHandler(basic.AuthMiddleware("alice", "pw", "r"))(hello))
	defer srv.Close()
	for _, tc := range []struct {
		user, pass string
		want       int
		body       string
	}{{"", "", 401, ""}, {"alice", "nope", 401, ""}, {"alice", "pw", 200, "hello alice"}} {
		req, _ := http.NewRequest("GET", srv.URL, nil)
		if tc.user != "" {
			req.SetBasicAuth(tc.user, tc.pass)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.want || (tc.body != "" && string(b) != tc.body) {
			t.Errorf("%s:%s: %d %q, want %d %q", tc.user, tc.pass, resp.StatusCode, b, tc.want, tc.body)
		}
		if tc.want == 401 && resp.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s:%s: 401 without a challenge", tc.user, tc.pass)
		}
	}
}
