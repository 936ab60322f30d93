package main

import (
	"crypto/tls"
	"errors"
	"flag"

	"github.com/endpointkit/kit/auth/mtls"
)

// tlsFlags are the -tls.* flags: with any of them, the http, jsonrpc and
// grpc transports speak TLS, trusting the CAs of -tls.ca (the system's
// roots without it) and presenting -tls.cert and -tls.key to servers that
// ask for a client certificate (mutual TLS). Without them, plaintext.
type tlsFlags struct {
	ca, cert, key, serverName *string
}

func registerTLSFlags(fs *flag.FlagSet) tlsFlags {
	return tlsFlags{
		ca:         fs.String("tls.ca", "", "PEM CA certificates the server's certificate must chain to; any -tls.* flag turns TLS on (empty: the system's roots)"),
		cert:       fs.String("tls.cert", "", "PEM client certificate for mutual TLS"),
		key:        fs.String("tls.key", "", "PEM private key of -tls.cert"),
		serverName: fs.String("tls.server-name", "", "name the server's certificate must have (empty: the host of the address called)"),
	}
}

// config returns the client TLS configuration of the flags, or nil for
// plaintext.
func (f tlsFlags) config() (*tls.Config, error) {
	if *f.ca == "" && *f.cert == "" && *f.key == "" && *f.serverName == "" {
		return nil, nil
	}
	if (*f.cert == "") != (*f.key == "") {
		return nil, errors.New("-tls.cert and -tls.key go together")
	}
	var certs *mtls.Reloader
	if *f.cert != "" {
		var err error
		if certs, err = mtls.NewReloader(*f.cert, *f.key, mtls.ReloaderSettings{}); err != nil {
			return nil, err
		}
	}
	cfg, err := mtls.NewClientConfig(*f.ca, certs)
	if err != nil {
		return nil, err
	}
	cfg.ServerName = *f.serverName
	return cfg, nil
}
