// Package jwt authenticates calls with JSON Web Tokens (RFC 7519) carried
// as Bearer tokens, over github.com/golang-jwt/jwt/v5: [NewParser] is an
// endpoint middleware that lets a call through only with a valid token and
// puts its claims in the context; [NewSigner] is one that signs a token for
// an outgoing call.
//
// The names are Go kit's, so existing code compiles once its golang-jwt
// import moves to v5: NewSigner, NewParser, the ClaimsFactory functions,
// HTTPToContext, ContextToHTTP, GRPCToContext, ContextToGRPC, the context
// keys JWTContextKey and JWTClaimsContextKey, and the sentinel errors
// ErrTokenContextMissing, ErrTokenInvalid, ErrTokenExpired,
// ErrTokenMalformed, ErrTokenNotActive and ErrUnexpectedSigningMethod.
//
// What kit adds is what a service needs from a token verifier today:
//
//   - The server fixes the algorithms (NewParser's method, plus
//     [ParserMethods]); a token's alg never chooses them, so "none" and an
//     RSA public key used as an HMAC secret are refused.
//   - iss and aud checks ([ParserIssuer], [ParserAudience]); exp, nbf and
//     iat checked with a bounded clock skew ([ParserLeeway], at most
//     [MaxLeeway]); tokens over [DefaultMaxTokenBytes] refused unread.
//   - Keys from a JWK Set URL ([JWKS]): cached, refreshed in the
//     background, refetched when a token names a new kid (rotation) but at
//     most once per interval however many unknown kids arrive, and kept
//     usable for a while when the key server is down.
//   - Errors that transports answer properly: an [*Error] with a status
//     (401 with a `WWW-Authenticate: Bearer` challenge, 403 for
//     [ParserAuthorize]'s refusals), a gRPC status (Unauthenticated,
//     PermissionDenied) and an Outcome in kit's failure model (CallerError:
//     a flood of bad tokens trips no breaker and ejects no instance).
//     Messages never contain the token.
//
// # Typical use
//
//	keys := jwt.NewJWKS("https://idp.example/.well-known/jwks.json", jwt.JWKSSettings{})
//	defer keys.Close()
//	auth := jwt.NewParser(keys.Keyfunc, stdjwt.SigningMethodRS256, jwt.RegisteredClaimsFactory,
//		jwt.ParserMethods(stdjwt.SigningMethodEdDSA),
//		jwt.ParserIssuer("https://idp.example/"), jwt.ParserAudience("orders"),
//		jwt.ParserLeeway(30*time.Second))
//	handler := http.NewServer(auth(e), dec, enc, http.ServerBefore(jwt.HTTPToContext()))
//
// and on the client side
//
//	e = jwt.NewSigner(kid, privateKey, stdjwt.SigningMethodEdDSA, claims)(client.Endpoint())
//	// with http.ClientBefore(jwt.ContextToHTTP()) on the client
//
// # Thrift
//
// Over transport/thrift the token travels in the THeader header
// [ThriftHeader] ("authorization": "Bearer <token>"), with the same hook
// shapes, which Go kit did not have: [ThriftToContext] for a Server's
// ServerBefore and [ContextToThrift] for a Client's ClientBefore. Protocols
// without headers (binary, compact, JSON) carry no token.
//
// # Services not built around Endpoints
//
// [HTTPHandler] wraps a plain http.Handler, and [UnaryServerInterceptor]
// and [StreamServerInterceptor] a grpc-go server, with the same middleware:
//
//	mux.Handle("/orders", jwt.HTTPHandler(auth)(ordersHandler))
//	grpc.NewServer(grpc.UnaryInterceptor(jwt.UnaryServerInterceptor(auth)))
//
// # Errors
//
//	no Authorization header / token      401 Bearer                         Unauthenticated
//	malformed header or token, too long  401 Bearer error="invalid_request" Unauthenticated
//	bad signature, alg, kid, exp, nbf,   401 Bearer error="invalid_token"   Unauthenticated
//	  iat, iss or aud
//	ParserAuthorize refused              403 Bearer error="insufficient_scope" PermissionDenied
//	no key fresh enough (JWKS down       503                                Unavailable
//	  longer than MaxStale, or never up)
//
// Over Thrift (transport/thrift's ExceptionOf) a 401 is a
// TApplicationException of type kitthrift.ExceptionUnauthenticated
// "unauthenticated", a 403 ExceptionPermissionDenied "permission denied"
// and the 503 INTERNAL_ERROR; kit's Thrift client classifies the first two
// as the caller's errors, not retried.
//
// The first three are CallerErrors in kit's failure model; the last is a
// retryable DependencyFailure. transport/http/jsonrpc's server answers the
// CallerErrors with code InvalidParams (-32602) and the 503 with
// InternalError (-32603), each with the HTTP status above (its error
// responses carry no WWW-Authenticate header); its client classifies them
// as the server did.
//
// # Concurrency
//
// The middlewares, the transport hooks and a JWKS are safe for concurrent use. A JWKS runs a
// goroutine from NewJWKS until Close.
package jwt
