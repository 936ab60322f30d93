package basic

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"

	"github.com/endpointkit/kit/endpoint"
	httptransport "github.com/endpointkit/kit/transport/http"
	"github.com/endpointkit/kit/transport/http/handler"
)

// Sentinel errors wrapped by [AuthError]; match them with errors.Is.
var (
	// ErrMissingCredentials means the request had no Authorization header,
	// or the context carries none (see the package doc).
	ErrMissingCredentials = errors.New("basic: missing credentials")
	// ErrMalformedCredentials means the Authorization header is not Basic
	// credentials: another scheme, bad base64, no colon, more than one
	// header, or longer than MaxHeaderBytes.
	ErrMalformedCredentials = errors.New("basic: malformed credentials")
	// ErrInvalidCredentials means the check refused the credentials.
	ErrInvalidCredentials = errors.New("basic: invalid credentials")
)

// MaxHeaderBytes bounds the Authorization header the middleware decodes;
// a longer one is refused as malformed without being decoded.
const MaxHeaderBytes = 4096

// AuthError is the error of a refused call. Its StatusCode is 401 and its
// Headers carry the WWW-Authenticate challenge for Realm, so transport/http
// answers it properly; its Outcome is a CallerError in kit's failure model.
// It is a value type, as Go kit's was.
type AuthError struct {
	// Realm is the protection space named in the challenge.
	Realm string
	// Err is one of ErrMissingCredentials, ErrMalformedCredentials or
	// ErrInvalidCredentials. Nil reads as ErrInvalidCredentials.
	Err error
}

// Error returns the reason, without the credentials that were sent.
func (e AuthError) Error() string {
	if e.Err == nil {
		return ErrInvalidCredentials.Error()
	}
	return e.Err.Error()
}

// Unwrap returns Err.
func (e AuthError) Unwrap() error { return e.Err }

// StatusCode returns 401 Unauthorized.
func (AuthError) StatusCode() int { return http.StatusUnauthorized }

// Headers returns the challenge: WWW-Authenticate: Basic realm="Realm",
// charset="UTF-8".
func (e AuthError) Headers() http.Header {
	return http.Header{"Www-Authenticate": {`Basic realm=` + quote(e.Realm) + `, charset="UTF-8"`}}
}

// quote makes s an HTTP quoted-string (RFC 9110 5.6.4): a backslash before
// '"' and '\', and control characters, which a header may not carry,
// dropped. (strconv.Quote would write Go escapes such as \u00e9, which
// HTTP does not know.)
func quote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < ' ' || c == 0x7f:
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// Outcome implements endpoint.Classified: a refused call is the caller's
// error and is not retryable.
func (AuthError) Outcome() endpoint.Outcome { return endpoint.Outcome{Kind: endpoint.CallerError} }

// CheckFunc decides whether user and password may call. It returns false
// to refuse them (the middleware answers 401), or an error when it could
// not decide (a user store is down: the middleware returns that error as it
// is). It must be safe for concurrent use and should compare in constant
// time; [Static] does.
type CheckFunc func(ctx context.Context, user, password string) (bool, error)

// Static returns a CheckFunc that accepts exactly one user and password.
// It compares them with the presented ones in time that depends only on the
// presented lengths (see [secret]), and checks user and password both
// whatever the first gives, so neither the content nor the length of the
// secrets, nor which half was wrong, shows in the timing. What it needs of
// user and password is prepared once, here, not per call: each secret
// repeated to MaxHeaderBytes (8 KiB for the two).
func Static(user, password string) CheckFunc {
	wantUser, wantPass := newSecret(user), newSecret(password)
	return func(_ context.Context, u, p string) (bool, error) {
		return wantUser.equal(u)&wantPass.equal(p) == 1, nil
	}
}

// secret is a value compared in constant time with presented ones.
//
// # Why the comparison is sound
//
// The idea: read every presented byte once, in order, against the secret
// read cyclically (byte i against secret[i mod n], n the secret's length),
// OR all the differences into one byte, and at the end AND "no
// difference" with "the lengths are equal". When the lengths are equal the
// cyclic walk is the plain byte-by-byte walk, so the result is exactly
// got == secret; when they differ the result is false whatever the bytes.
// So it is correct.
//
// Its running time must depend only on len(got), which the caller chose
// and so already knows. Done literally, the walk would compute i mod n per
// byte: a DIV, whose latency varies with its operands on many CPUs (and n
// is secret), or a wrap-around counter, whose branch (or, made branchless,
// its serial dependency) costs several times the comparison. So the
// cyclic walk is precomputed once, by newSecret: ext holds the secret
// repeated to extLen bytes (MaxHeaderBytes: no credentials decoded from a
// header are longer), and equal compares got[i] with ext[i], a loop like
// subtle.ConstantTimeCompare's: one load from each, XOR, OR, no early exit.
// A presented value longer than ext (possible only when the check is
// called directly) is walked in chunks of len(ext) against ext from its
// start; chunk boundaries depend on len(got) and len(ext) only, and such a
// value is longer than the secret, so its result is false anyway. The
// length check is arithmetic on the two lengths (an XOR and a sign fold).
//
// So a mismatch at the first byte and one at the last take the same time,
// and a short secret and a long one take the same time for the same
// presented value, and touch the same memory (ext[0:len(got)]): neither
// content nor length leaks, which subtle.ConstantTimeCompare alone does
// not give (it returns at once when the lengths differ) and hashing both
// sides with SHA-256 gave at four times the cost. The one exception is a
// secret longer than MaxHeaderBytes (no password is): ext is then the
// secret itself, and a directly presented value longer still is chunked
// at the secret's length.
type secret struct {
	ext []byte // the secret repeated to max(extLen, n) bytes; zeros for an empty one
	n   int    // the secret's length
}

// extLen is the length of a secret's precomputed cyclic walk.
const extLen = MaxHeaderBytes

func newSecret(s string) secret {
	ext := make([]byte, max(extLen, len(s)))
	if s != "" {
		for i := range ext {
			ext[i] = s[i%len(s)] // once per middleware, not per call
		}
	}
	return secret{ext: ext, n: len(s)}
}

// equal returns 1 when got is the secret and 0 otherwise, in time that
// depends on len(got) only (see the type's doc).
func (s secret) equal(got string) int {
	x := uint64(len(got)) ^ uint64(s.n)
	var diff byte
	for len(got) > 0 {
		k := min(len(got), len(s.ext))
		chunk, ext := got[:k], s.ext[:k]
		for i := range len(chunk) {
			diff |= chunk[i] ^ ext[i] // no bounds check: both are k long
		}
		got = got[k:]
	}
	// The lengths are equal when their XOR is zero; x|-x has its top bit
	// set exactly when x != 0.
	sameLen := int(1 ^ ((x | -x) >> 63))
	return subtle.ConstantTimeByteEq(diff, 0) & sameLen
}

// AuthMiddleware returns a Middleware that lets a call through only when
// its Authorization header carries requiredUser and requiredPassword, and
// otherwise returns an [AuthError] for realm. It is Go kit's signature;
// it is NewMiddleware(realm, Static(requiredUser, requiredPassword)).
func AuthMiddleware(requiredUser, requiredPassword, realm string) endpoint.Middleware {
	return NewMiddleware(realm, Static(requiredUser, requiredPassword))
}

// NewMiddleware returns a Middleware that lets a call through only when
// check accepts the credentials of its Authorization header, with the
// authenticated user in the context ([UserFromContext]). It returns an
// [AuthError] for realm when credentials are missing, malformed or refused,
// and check's own error when check fails.
func NewMiddleware(realm string, check CheckFunc) endpoint.Middleware {
	return func(next endpoint.Endpoint) endpoint.Endpoint {
		return func(ctx context.Context, req any) (any, error) {
			user, pass, err := credentials(ctx)
			if err != nil {
				return nil, AuthError{Realm: realm, Err: err}
			}
			ok, err := check(ctx, user, pass)
			if err != nil {
				return nil, err
			}
			if !ok {
				return nil, AuthError{Realm: realm, Err: ErrInvalidCredentials}
			}
			return next(&userContext{Context: ctx, user: user}, req)
		}
	}
}

type userKey struct{}

// userContext carries the authenticated user: one allocation, where
// context.WithValue would take two (the context and the boxed string).
// Value passes every other key to the parent, so context's own lookups
// (cancellation) see through it.
type userContext struct {
	context.Context
	user string
}

func (c *userContext) Value(key any) any {
	if key == (userKey{}) {
		return c.user
	}
	return c.Context.Value(key)
}

// UserFromContext returns the user that NewMiddleware (or AuthMiddleware)
// authenticated for this call, and whether there is one.
func UserFromContext(ctx context.Context) (string, bool) {
	u, ok := ctx.Value(userKey{}).(string)
	return u, ok
}

// credentials finds the Authorization header in ctx and decodes it.
func credentials(ctx context.Context) (user, password string, err error) {
	values, ok := headerFromContext(ctx)
	if !ok || len(values) == 0 {
		return "", "", ErrMissingCredentials
	}
	if len(values) > 1 {
		// Two headers: which one a proxy checked is anyone's guess.
		return "", "", ErrMalformedCredentials
	}
	return Parse(values[0])
}

// Parse decodes the value of an Authorization header carrying Basic
// credentials (RFC 7617): the scheme, case-insensitive, one space, and
// base64 of user:password. The user may not contain a colon; the password
// may. A value over [MaxHeaderBytes] is refused before decoding. Its errors
// are [ErrMissingCredentials] and [ErrMalformedCredentials], and never
// contain the value.
func Parse(header string) (user, password string, err error) {
	if header == "" {
		return "", "", ErrMissingCredentials
	}
	if len(header) > MaxHeaderBytes {
		return "", "", ErrMalformedCredentials
	}
	const prefix = "basic "
	if len(header) < len(prefix) || !strings.EqualFold(header[:len(prefix)], prefix) {
		return "", "", ErrMalformedCredentials
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimLeft(header[len(prefix):], " "))
	if err != nil {
		return "", "", ErrMalformedCredentials
	}
	user, password, ok := strings.Cut(string(raw), ":")
	if !ok {
		return "", "", ErrMalformedCredentials
	}
	return user, password, nil
}

type headerKey struct{}

// HTTPToContext returns a RequestFunc for transport/http's ServerBefore that
// puts the request's Authorization header values in the context, for the
// middleware to read. transport/http's PopulateRequestContext serves as well.
func HTTPToContext() httptransport.RequestFunc {
	return func(ctx context.Context, r *http.Request) context.Context {
		return context.WithValue(ctx, headerKey{}, r.Header.Values("Authorization"))
	}
}

// headerFromContext returns the Authorization values put in ctx by
// HTTPToContext, or else those of PopulateRequestContext's RequestInfo.
func headerFromContext(ctx context.Context) ([]string, bool) {
	if v, ok := ctx.Value(headerKey{}).([]string); ok {
		return v, true
	}
	if ri, ok := httptransport.RequestInfoFromContext(ctx); ok && ri.Header != nil {
		return ri.Header.Values("Authorization"), true
	}
	return nil, false
}

// HTTPHandler returns a net/http middleware that runs mw (AuthMiddleware's
// or NewMiddleware's) around next, for a service not built around
// Endpoints: next serves the request, with the user in its context
// (UserFromContext), only when mw lets the call through; otherwise the
// refusal is written as transport/http's DefaultErrorEncoder writes it (401
// with the challenge).
func HTTPHandler(mw endpoint.Middleware) func(http.Handler) http.Handler {
	return handler.Middleware(mw, handler.Before(HTTPToContext()))
}
