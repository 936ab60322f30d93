package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"slices"
	"strings"
	"time"

	stdjwt "github.com/golang-jwt/jwt/v5"

	"github.com/endpointkit/kit/auth/jwt"
	"github.com/endpointkit/kit/auth/mtls"
	"github.com/endpointkit/kit/endpoint"
)

// authFlags are the -auth.* flags: who may call. Each one given is a check
// that every call on every transport must pass; none given (the default)
// lets everyone in.
//
//   - -auth.allow: the caller's client certificate (mutual TLS, so it needs
//     -tls.client-ca) must name one of these identities: a SPIFFE ID, URI
//     or DNS SAN, or the subject's CN (auth/mtls.AllowNames). The Thrift
//     listener has no TLS, so with -auth.allow its calls are refused
//     (unauthenticated).
//   - -auth.jwks: the caller must send a Bearer token signed by a key of
//     this JWK Set (auth/jwt.JWKS), with -auth.jwt-algs' algorithms, and,
//     when given, the issuer -auth.jwt-issuer, an audience of
//     -auth.jwt-audience and a subject of -auth.jwt-subjects. The key set
//     is fetched again every -auth.jwks-refresh, and when a token names a
//     key id it does not hold, at most once per -auth.jwks-min-refresh.
//
// A call without credentials, or with a bad token, is refused 401 (gRPC
// Unauthenticated, Thrift ExceptionUnauthenticated); a caller proven but
// not allowed 403 (PermissionDenied, ExceptionPermissionDenied). JSON-RPC
// answers both with code -32602 and the HTTP status.
type authFlags struct {
	allow, jwks, issuer, audience, subjects, algs *string
	refresh, minRefresh                           *time.Duration
}

func registerAuthFlags(fs *flag.FlagSet) authFlags {
	return authFlags{
		allow:    fs.String("auth.allow", "", "comma-separated client certificate identities allowed to call (SPIFFE ID, URI or DNS SAN, or CN; needs -tls.client-ca; empty: no certificate check)"),
		jwks:     fs.String("auth.jwks", "", "URL of the JWK Set whose keys sign the Bearer tokens callers must send (empty: no token check)"),
		issuer:   fs.String("auth.jwt-issuer", "", "with -auth.jwks: the iss tokens must have (empty: any)"),
		audience: fs.String("auth.jwt-audience", "", "with -auth.jwks: comma-separated audiences, one of which tokens must name (empty: any)"),
		subjects: fs.String("auth.jwt-subjects", "", "with -auth.jwks: comma-separated subjects (sub) allowed to call; others are refused 403 (empty: any valid token)"),
		algs:     fs.String("auth.jwt-algs", "RS256,ES256,EdDSA", "with -auth.jwks: comma-separated signing algorithms accepted (asymmetric only)"),
		refresh:  fs.Duration("auth.jwks-refresh", time.Hour, "with -auth.jwks: how often the key set is fetched again"),
		minRefresh: fs.Duration("auth.jwks-min-refresh", 30*time.Second,
			"with -auth.jwks: the least time between two fetches that tokens naming an unknown key id (a key rotated in) may cause"),
	}
}

// middleware returns the endpoint middleware the flags ask for (nil for
// none) and a function releasing what it holds (the JWKS's refresh
// goroutine). mutualTLS says whether client certificates are verified.
func (f authFlags) middleware(mutualTLS bool) (endpoint.Middleware, func(), error) {
	var mws []endpoint.Middleware
	release := func() {}
	if names := split(*f.allow); len(names) > 0 {
		if !mutualTLS {
			return nil, nil, errors.New("-auth.allow needs -tls.client-ca: without client certificates no caller has an identity")
		}
		mws = append(mws, mtls.Authorize(mtls.AllowNames(names...)))
	}
	if *f.jwks != "" {
		methods, err := signingMethods(split(*f.algs))
		if err != nil {
			return nil, nil, err
		}
		opts := []jwt.ParserOption{jwt.ParserMethods(methods[1:]...), jwt.ParserRequireExpiry()}
		if *f.issuer != "" {
			opts = append(opts, jwt.ParserIssuer(*f.issuer))
		}
		if aud := split(*f.audience); len(aud) > 0 {
			opts = append(opts, jwt.ParserAudience(aud...))
		}
		if subs := split(*f.subjects); len(subs) > 0 {
			opts = append(opts, jwt.ParserAuthorize(func(_ context.Context, c stdjwt.Claims) bool {
				sub, err := c.GetSubject()
				return err == nil && slices.Contains(subs, sub)
			}))
		}
		if *f.refresh <= 0 || *f.minRefresh <= 0 {
			return nil, nil, errors.New("-auth.jwks-refresh and -auth.jwks-min-refresh must be positive")
		}
		keys := jwt.NewJWKS(*f.jwks, jwt.JWKSSettings{RefreshInterval: *f.refresh, MinRefreshInterval: *f.minRefresh})
		release = func() { _ = keys.Close() }
		mws = append(mws, jwt.NewParser(keys.Keyfunc, methods[0], jwt.RegisteredClaimsFactory, opts...))
	} else if *f.issuer != "" || *f.audience != "" || *f.subjects != "" {
		return nil, nil, errors.New("-auth.jwt-issuer, -auth.jwt-audience and -auth.jwt-subjects need -auth.jwks")
	}
	switch len(mws) {
	case 0:
		return nil, release, nil
	case 1:
		return mws[0], release, nil
	}
	return endpoint.Chain(mws[0], mws[1:]...), release, nil
}

// signingMethods returns the algorithms named, refusing none, the HMAC
// ones (a JWK Set publishes public keys) and unknown names.
func signingMethods(names []string) ([]stdjwt.SigningMethod, error) {
	if len(names) == 0 {
		return nil, errors.New("-auth.jwt-algs: no algorithm")
	}
	var methods []stdjwt.SigningMethod
	for _, n := range names {
		m := stdjwt.GetSigningMethod(n)
		if _, hmac := m.(*stdjwt.SigningMethodHMAC); m == nil || hmac || n == "none" {
			return nil, fmt.Errorf("-auth.jwt-algs: %q is not an asymmetric signing algorithm", n)
		}
		methods = append(methods, m)
	}
	return methods, nil
}

// split returns the non-empty, trimmed elements of a comma-separated list.
func split(s string) []string {
	var out []string
	for _, e := range strings.Split(s, ",") {
		if e = strings.TrimSpace(e); e != "" {
			out = append(out, e)
		}
	}
	return out
}
