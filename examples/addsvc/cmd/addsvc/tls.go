package main

import (
	"crypto/tls"
	"errors"
	"flag"
	"net"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	"github.com/endpointkit/kit/auth/mtls"
	"github.com/endpointkit/kit/log"
)

// tlsFlags are the -tls.* flags: with -tls.cert and -tls.key, the HTTP,
// JSON-RPC and gRPC listeners speak TLS (the debug and Thrift listeners stay
// plaintext); with -tls.client-ca as well, they require a client
// certificate issued by one of its CAs (mutual TLS). Without them,
// everything is plaintext, the loopback default.
type tlsFlags struct {
	cert, key, clientCA *string
}

func registerTLSFlags(fs *flag.FlagSet) tlsFlags {
	return tlsFlags{
		cert:     fs.String("tls.cert", "", "PEM certificate of the HTTP, JSON-RPC and gRPC servers, reread when it changes (empty: plaintext)"),
		key:      fs.String("tls.key", "", "PEM private key of -tls.cert"),
		clientCA: fs.String("tls.client-ca", "", "PEM CA certificates that client certificates must chain to: mutual TLS (empty: no client certificates)"),
	}
}

// tlsSettings is what the flags made: a nil config means plaintext.
type tlsSettings struct{ config *tls.Config }

// settings checks the flags and loads the files; the certificate and key
// are reread at most every 10s when they change, and a bad new pair is
// logged while the old one stays in use.
func (f tlsFlags) settings(logger log.Logger) (tlsSettings, error) {
	switch {
	case *f.cert == "" && *f.key == "" && *f.clientCA == "":
		return tlsSettings{}, nil
	case *f.cert == "" || *f.key == "":
		return tlsSettings{}, errors.New("-tls.cert and -tls.key go together (and -tls.client-ca needs them)")
	}
	certs, err := mtls.NewReloader(*f.cert, *f.key, mtls.ReloaderSettings{
		OnError: func(err error) { _ = logger.Log("msg", "certificate reload failed; keeping the old one", "err", err) },
	})
	if err != nil {
		return tlsSettings{}, err
	}
	cfg, err := mtls.NewServerConfig(certs, *f.clientCA)
	if err != nil {
		return tlsSettings{}, err
	}
	return tlsSettings{config: cfg}, nil
}

// listener returns ln, wrapped to speak TLS when configured.
func (s tlsSettings) listener(ln net.Listener) net.Listener {
	if s.config == nil || ln == nil {
		return ln
	}
	cfg := s.config.Clone()
	cfg.NextProtos = []string{"h2", "http/1.1"}
	return tls.NewListener(ln, cfg)
}

// grpcOptions returns the gRPC server's transport credentials when TLS is
// configured.
func (s tlsSettings) grpcOptions() []grpc.ServerOption {
	if s.config == nil {
		return nil
	}
	return []grpc.ServerOption{grpc.Creds(credentials.NewTLS(s.config))}
}
