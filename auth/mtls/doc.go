// Package mtls secures transports with TLS and mutual TLS and authorises
// calls by the identity a client certificate proves.
//
//   - [Reloader] serves a certificate and key from PEM files and re-reads
//     them when they change (checked at most every CheckInterval, or at once
//     with [Reloader.Reload]), so rotated certificates need no restart; a
//     bad new pair keeps the old one and reports the error.
//   - [NewServerConfig] builds a server *tls.Config: TLS 1.2 at least and,
//     given a client-CA file, tls.RequireAndVerifyClientCert. A client with
//     no certificate, an expired or not-yet-valid one, or one from another
//     CA fails the handshake. [NewClientConfig] is the client side.
//   - [PeerIdentity] reads the verified peer's subject CN, DNS and URI SANs
//     and SPIFFE ID from a *tls.ConnectionState; [HTTPToContext] and
//     [GRPCToContext] are ServerBefore functions for transport/http and
//     transport/grpc that put it in the context, where [FromContext] finds it.
//   - [Authorize] is an endpoint middleware that lets through only allowed
//     identities ([AllowNames]); a refusal is 403 / PermissionDenied (401 /
//     Unauthenticated without an identity), classified CallerError in kit's
//     failure model.
//
// # Typical use
//
//	certs, err := mtls.NewReloader("server.pem", "server-key.pem", mtls.ReloaderSettings{})
//	cfg, err := mtls.NewServerConfig(certs, "clients-ca.pem")
//	allow := mtls.Authorize(mtls.AllowNames("spiffe://example.org/billing"))
//	h := http.NewServer(allow(e), dec, enc, http.ServerBefore(mtls.HTTPToContext()))
//	srv := &stdhttp.Server{Handler: h, TLSConfig: cfg}
//	srv.ListenAndServeTLS("", "")
//
// and for gRPC, grpc.NewServer(grpc.Creds(credentials.NewTLS(cfg))) with
// grpc.ServerBefore(mtls.GRPCToContext()) on the kit servers.
//
// # Services not built around Endpoints
//
// [HTTPHandler] wraps a plain http.Handler, and [UnaryServerInterceptor]
// and [StreamServerInterceptor] a grpc-go server, with the same middleware:
//
//	mux.Handle("/orders", mtls.HTTPHandler(allow)(ordersHandler))
//	grpc.NewServer(grpc.Creds(credentials.NewTLS(cfg)), grpc.UnaryInterceptor(mtls.UnaryServerInterceptor(allow)))
//
// # Concurrency
//
// A Reloader is safe for concurrent use and starts no goroutine: the
// handshake that finds the files due for a check reads them. Everything
// else is a pure function or an immutable value.
package mtls
