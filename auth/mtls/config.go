package mtls

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
)

// LoadCertPool reads a PEM file of CA certificates into a pool. A file that
// holds no certificate is an error, not an empty pool that trusts nobody.
func LoadCertPool(file string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("mtls: read CA file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%w in %s", errNoCerts, file)
	}
	return pool, nil
}

// NewServerConfig returns a server tls.Config that presents certs' pair
// (reloaded as it changes) and, when clientCAFile is not empty, requires and
// verifies a client certificate issued by one of the CAs in that PEM file:
// mutual TLS. With an empty clientCAFile no client certificate is asked for
// (server-only TLS). MinVersion is TLS 1.2.
//
// A client without a certificate, or with one that is expired, not valid
// yet or from another CA, fails the handshake: no request is read.
//
// Leave the result's Certificates empty: crypto/tls serves Certificates[0],
// not GetCertificate's pair, to a client that sends no server name (one
// dialling an IP address), and httptest.Server.StartTLS fills it with its
// own certificate.
func NewServerConfig(certs *Reloader, clientCAFile string) (*tls.Config, error) {
	c := &tls.Config{
		MinVersion:     tls.VersionTLS12,
		GetCertificate: certs.GetCertificate,
	}
	if clientCAFile != "" {
		pool, err := LoadCertPool(clientCAFile)
		if err != nil {
			return nil, err
		}
		c.ClientCAs = pool
		c.ClientAuth = tls.RequireAndVerifyClientCert
	}
	return c, nil
}

// NewClientConfig returns a client tls.Config that trusts the CAs in the
// PEM file caFile (the system's roots when it is empty) and, when certs is
// not nil, presents its pair to servers that ask for one (mutual TLS).
// MinVersion is TLS 1.2. The server's name is checked against its
// certificate as usual; set ServerName on the result when dialling an
// address that is not the name in the certificate.
func NewClientConfig(caFile string, certs *Reloader) (*tls.Config, error) {
	c := &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pool, err := LoadCertPool(caFile)
		if err != nil {
			return nil, err
		}
		c.RootCAs = pool
	}
	if certs != nil {
		c.GetClientCertificate = certs.GetClientCertificate
	}
	return c, nil
}
