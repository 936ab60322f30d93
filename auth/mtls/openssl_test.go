package mtls_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/endpointkit/kit/internal/testcerts"
	"github.com/endpointkit/kit/internal/testenv"
)

// opensslPKI makes, with the openssl command, a CA and a server and a
// client certificate it signed, in dir: a second implementation of X.509
// beside crypto/x509.
func opensslPKI(t *testing.T, dir string) (ca string, server, client testcerts.Pair) {
	t.Helper()
	bin := testenv.LookPath(t, "openssl")
	run := func(args ...string) {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("openssl %v: %v\n%s", args, err, out)
		}
	}
	ec := []string{"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"}
	// req -x509 applies the v3_ca section of Debian's openssl.cnf:
	// basicConstraints CA:true.
	run(append(append([]string{"req", "-x509"}, ec...), "-keyout", "ca-key.pem", "-out", "ca.pem", "-days", "1", "-subj", "/CN=openssl-ca")...)
	issue := func(name, subj, ext string) testcerts.Pair {
		if err := os.WriteFile(filepath.Join(dir, name+".ext"), []byte(ext), 0o600); err != nil {
			t.Fatal(err)
		}
		run(append(append([]string{"req", "-new"}, ec...), "-keyout", name+"-key.pem", "-out", name+".csr", "-subj", subj)...)
		run("x509", "-req", "-in", name+".csr", "-CA", "ca.pem", "-CAkey", "ca-key.pem", "-CAcreateserial",
			"-out", name+".pem", "-days", "1", "-extfile", name+".ext")
		return testcerts.Pair{CertFile: filepath.Join(dir, name+".pem"), KeyFile: filepath.Join(dir, name+"-key.pem")}
	}
	server = issue("server", "/CN=server", "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
	client = issue("client", "/CN=billing", "subjectAltName=URI:"+goodID+",DNS:billing.example.org\nextendedKeyUsage=clientAuth\n")
	return filepath.Join(dir, "ca.pem"), server, client
}

// TestOpenSSLCertificates serves with a certificate, and requires client
// certificates from a CA, that openssl made: the openssl client
// certificate is accepted and its SPIFFE ID read; the same server refuses a
// client certificate from a crypto/x509 CA it does not trust.
func TestOpenSSLCertificates(t *testing.T) {
	p := newPKI(t) // kit's crypto/x509 CA and its client certificates
	dir := t.TempDir()
	caFile, server, client := opensslPKI(t, dir)
	// The server trusts the openssl CA for client certificates, and the
	// clients trust it for the server's.
	osslPKI := &pki{dir: dir, ca: &testcerts.CA{File: caFile}}
	srv := startHTTP(t, osslPKI, server)
	code, body, err := get(t, srv.URL, osslPKI.clientConfig(t, client))
	if err != nil || code != 200 || body != goodID {
		t.Fatalf("GET with the openssl client certificate: %d %q %v; want 200 %q", code, body, err, goodID)
	}
	if _, _, err := get(t, srv.URL, osslPKI.clientConfig(t, p.good)); err == nil {
		t.Error("GET with a client certificate of an untrusted CA succeeded")
	}
	if code, body, err := get(t, srv.URL, osslPKI.clientConfig(t, client)); err != nil || code != 200 || body != goodID {
		t.Errorf("good GET after the refusal: %d %q %v", code, body, err)
	}

	// OpenSSL's TLS stack as the client: s_client with the openssl client
	// certificate is answered; without one, the handshake is refused.
	sClient := func(extra ...string) (string, error) {
		args := append([]string{"s_client", "-connect", srv.Addr, "-CAfile", caFile,
			"-verify_return_error", "-quiet", "-ign_eof"}, extra...)
		cmd := exec.Command(testenv.LookPath(t, "openssl"), args...)
		cmd.Stdin = strings.NewReader("GET / HTTP/1.0\r\n\r\n")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := sClient("-cert", client.CertFile, "-key", client.KeyFile); err != nil || !strings.Contains(out, "200 OK") || !strings.Contains(out, goodID) {
		t.Errorf("openssl s_client with the client certificate: %v\n%s\nwant 200 and %s", err, out, goodID)
	}
	if out, err := sClient(); err == nil && strings.Contains(out, "200 OK") {
		t.Errorf("openssl s_client without a client certificate was answered:\n%s", out)
	}
}
