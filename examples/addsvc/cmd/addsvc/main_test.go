package main

import (
	"strings"
	"testing"

	"github.com/endpointkit/kit/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// TestBadFlags checks that addsvc refuses to start, with a clear error, on a
// wrong flag value or a port in use.
func TestBadFlags(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"bad log level", []string{"-log.level", "loud"}, "-log.level"},
		{"tls cert without key", []string{"-tls.cert", "c.pem"}, "-tls.cert and -tls.key go together"},
		{"tls client CA alone", []string{"-tls.client-ca", "ca.pem"}, "-tls.cert and -tls.key go together"},
		{"tls files missing", []string{"-debug-addr", "127.0.0.1:0", "-tls.cert", "/nonexistent/c.pem", "-tls.key", "/nonexistent/k.pem"}, "no such file"},
		{"auth.allow without mutual TLS", []string{"-auth.allow", "spiffe://example.org/a"}, "-auth.allow needs -tls.client-ca"},
		{"auth.jwt-issuer without jwks", []string{"-auth.jwt-issuer", "https://idp/"}, "need -auth.jwks"},
		{"auth.jwt-algs HMAC", []string{"-auth.jwks", "http://127.0.0.1:1/jwks", "-auth.jwt-algs", "HS256"}, `"HS256" is not an asymmetric`},
		{"auth.jwt-algs none", []string{"-auth.jwks", "http://127.0.0.1:1/jwks", "-auth.jwt-algs", "none"}, `"none" is not an asymmetric`},
		{"auth.jwt-algs unknown", []string{"-auth.jwks", "http://127.0.0.1:1/jwks", "-auth.jwt-algs", "RS256,XX1"}, `"XX1" is not an asymmetric`},
		{"auth.jwt-algs empty", []string{"-auth.jwks", "http://127.0.0.1:1/jwks", "-auth.jwt-algs", " , "}, "no algorithm"},
		{"auth.jwks-min-refresh zero", []string{"-auth.jwks", "http://127.0.0.1:1/jwks", "-auth.jwks-min-refresh", "0s"}, "must be positive"},
		{"auth.jwks-refresh negative", []string{"-auth.jwks", "http://127.0.0.1:1/jwks", "-auth.jwks-refresh", "-1s"}, "must be positive"},
		{"bad address", []string{"-debug-addr", "127.0.0.1:0", "-http-addr", "127.0.0.1:nope"}, "http listener"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stderr strings.Builder
			if err := serve(tc.args, &stderr); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("serve(%v) = %v, want an error with %q", tc.args, err, tc.want)
			}
		})
	}
}
