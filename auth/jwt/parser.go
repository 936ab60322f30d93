package jwt

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	stdjwt "github.com/golang-jwt/jwt/v5"

	"github.com/endpointkit/kit/endpoint"
)

// ClaimsFactory makes the empty claims a token is decoded into, one per
// call. Go kit's name.
type ClaimsFactory func() stdjwt.Claims

// MapClaimsFactory makes a stdjwt.MapClaims.
func MapClaimsFactory() stdjwt.Claims { return stdjwt.MapClaims{} }

// RegisteredClaimsFactory makes a *stdjwt.RegisteredClaims.
func RegisteredClaimsFactory() stdjwt.Claims { return &stdjwt.RegisteredClaims{} }

// StandardClaimsFactory makes a *stdjwt.RegisteredClaims, which replaced
// jwt-go's StandardClaims in golang-jwt v5.
//
// Deprecated: use RegisteredClaimsFactory.
func StandardClaimsFactory() stdjwt.Claims { return &stdjwt.RegisteredClaims{} }

// DefaultMaxTokenBytes is how long a token NewParser accepts unless
// ParserMaxTokenBytes says otherwise: larger than any token an identity
// provider issues, small enough that a stranger's megabyte is refused
// before a byte of it is decoded.
const DefaultMaxTokenBytes = 8 << 10

// MaxLeeway caps ParserLeeway: a skew allowance larger than this would let
// an expired token live on.
const MaxLeeway = 5 * time.Minute

// ParserOption configures NewParser.
type ParserOption func(*parserConfig)

type parserConfig struct {
	methods   []string
	issuer    string
	audience  []string
	leeway    time.Duration
	requireEx bool
	maxBytes  int
	authorize func(context.Context, stdjwt.Claims) bool
}

// ParserMethods allows more signing methods besides NewParser's method
// (a JWKS may hold RSA and Ed25519 keys at once). Only the methods named
// here and in NewParser are ever accepted; a token's own alg never widens
// them.
func ParserMethods(methods ...stdjwt.SigningMethod) ParserOption {
	return func(c *parserConfig) {
		for _, m := range methods {
			c.methods = append(c.methods, m.Alg())
		}
	}
}

// ParserIssuer requires the token's iss claim to be iss.
func ParserIssuer(iss string) ParserOption {
	return func(c *parserConfig) { c.issuer = iss }
}

// ParserAudience requires the token's aud claim to name at least one of
// aud.
func ParserAudience(aud ...string) ParserOption {
	return func(c *parserConfig) { c.audience = append(c.audience, aud...) }
}

// ParserLeeway allows d of clock skew when checking exp, nbf and iat. By
// default there is none. d is capped at MaxLeeway; a negative d means none.
func ParserLeeway(d time.Duration) ParserOption {
	return func(c *parserConfig) { c.leeway = min(max(d, 0), MaxLeeway) }
}

// ParserRequireExpiry refuses tokens without an exp claim. By default a
// token without exp does not expire (as in Go kit).
func ParserRequireExpiry() ParserOption {
	return func(c *parserConfig) { c.requireEx = true }
}

// ParserMaxTokenBytes sets the longest token accepted; a longer one is
// refused as malformed before it is decoded. Zero or less means
// DefaultMaxTokenBytes.
func ParserMaxTokenBytes(n int) ParserOption {
	return func(c *parserConfig) {
		if n <= 0 {
			n = DefaultMaxTokenBytes
		}
		c.maxBytes = n
	}
}

// ParserAuthorize sets a check run on the verified claims: when it returns
// false the call is refused with ErrForbidden (HTTP 403, gRPC
// PermissionDenied). It must be safe for concurrent use.
func ParserAuthorize(allow func(ctx context.Context, claims stdjwt.Claims) bool) ParserOption {
	return func(c *parserConfig) { c.authorize = allow }
}

// NewParser returns a Middleware that lets a call through only with a valid
// token in the context (JWTContextKey, put there by HTTPToContext or
// GRPCToContext), and puts its claims in the context (JWTClaimsContextKey).
// It is Go kit's signature, with options.
//
// keyFunc returns the key that verifies a token: a fixed key, or a
// [JWKS]'s Keyfunc. method is the signing method the server accepts,
// together with those of ParserMethods; a token whose alg is another one
// ("none", HS256 where RS256 is expected) is refused with
// ErrUnexpectedSigningMethod before keyFunc is called. newClaims makes the
// claims to decode into; nil means MapClaimsFactory. exp, nbf and iat are
// checked when present (see ParserLeeway), iss and aud when ParserIssuer
// and ParserAudience ask for them.
//
// A refused call returns an [*Error] (401, or 403 from ParserAuthorize, or
// 503 when keyFunc returns ErrKeysUnavailable) wrapping one of this
// package's sentinels.
func NewParser(keyFunc stdjwt.Keyfunc, method stdjwt.SigningMethod, newClaims ClaimsFactory, options ...ParserOption) endpoint.Middleware {
	c := parserConfig{methods: []string{method.Alg()}, maxBytes: DefaultMaxTokenBytes}
	for _, o := range options {
		o(&c)
	}
	if newClaims == nil {
		newClaims = MapClaimsFactory
	}
	popts := []stdjwt.ParserOption{
		stdjwt.WithValidMethods(c.methods),
		stdjwt.WithIssuedAt(),
		stdjwt.WithLeeway(c.leeway),
	}
	if c.issuer != "" {
		popts = append(popts, stdjwt.WithIssuer(c.issuer))
	}
	if len(c.audience) > 0 {
		popts = append(popts, stdjwt.WithAudience(c.audience...))
	}
	if c.requireEx {
		popts = append(popts, stdjwt.WithExpirationRequired())
	}
	// A stdjwt.Parser holds only its options after construction, so one
	// serves every call concurrently.
	parser := stdjwt.NewParser(popts...)

	return func(next endpoint.Endpoint) endpoint.Endpoint {
		return func(ctx context.Context, req any) (any, error) {
			raw, ok := ctx.Value(JWTContextKey).(string)
			if !ok {
				if err, ok := ctx.Value(extractErrorKey{}).(error); ok {
					return nil, unauthorized(err)
				}
				return nil, unauthorized(ErrTokenContextMissing)
			}
			if len(raw) > c.maxBytes {
				return nil, unauthorized(fmt.Errorf("%w: longer than %d bytes", ErrTokenMalformed, c.maxBytes))
			}
			token, err := parser.ParseWithClaims(raw, newClaims(), keyFunc)
			if err != nil {
				return nil, refusal(token, err, c.methods)
			}
			if c.authorize != nil && !c.authorize(ctx, token.Claims) {
				return nil, &Error{Code: http.StatusForbidden, Err: ErrForbidden}
			}
			return next(context.WithValue(ctx, JWTClaimsContextKey, token.Claims), req)
		}
	}
}

// refusal maps golang-jwt's error for a refused token to this package's
// sentinels. It keeps none of golang-jwt's text: the sentinel says what
// the caller may know.
func refusal(token *stdjwt.Token, err error, methods []string) *Error {
	var sentinel error
	switch {
	case errors.Is(err, ErrKeysUnavailable):
		return &Error{Code: http.StatusServiceUnavailable, Err: ErrKeysUnavailable}
	case errors.Is(err, stdjwt.ErrTokenMalformed):
		sentinel = ErrTokenMalformed
	case errors.Is(err, ErrUnexpectedSigningMethod),
		token != nil && token.Method == nil, // an alg golang-jwt does not know
		token != nil && !slices.Contains(methods, token.Method.Alg()):
		sentinel = ErrUnexpectedSigningMethod
	case errors.Is(err, ErrUnknownKey):
		sentinel = ErrUnknownKey
	case errors.Is(err, stdjwt.ErrTokenExpired):
		sentinel = ErrTokenExpired
	case errors.Is(err, stdjwt.ErrTokenNotValidYet), errors.Is(err, stdjwt.ErrTokenUsedBeforeIssued):
		sentinel = ErrTokenNotActive
	case errors.Is(err, stdjwt.ErrTokenInvalidIssuer):
		sentinel = ErrTokenInvalidIssuer
	case errors.Is(err, stdjwt.ErrTokenInvalidAudience):
		sentinel = ErrTokenInvalidAudience
	default:
		sentinel = ErrTokenInvalid
	}
	return unauthorized(sentinel)
}
