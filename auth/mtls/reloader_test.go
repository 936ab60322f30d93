package mtls_test

import (
	"crypto/tls"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/endpointkit/kit/auth/mtls"
	"github.com/endpointkit/kit/internal/testcerts"
)

// serverCN is the CN of the certificate a TLS client sees at url.
func serverCN(t *testing.T, url string, p *pki) string {
	t.Helper()
	cfg := p.clientConfig(t, p.good)
	var cn string
	cfg.VerifyConnection = func(cs tls.ConnectionState) error {
		cn = cs.PeerCertificates[0].Subject.CommonName
		return nil
	}
	if _, _, err := get(t, url, cfg); err != nil {
		t.Fatalf("GET: %v", err)
	}
	return cn
}

func copyPair(t *testing.T, from, to testcerts.Pair) {
	t.Helper()
	if err := os.WriteFile(to.CertFile, from.CertPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to.KeyFile, from.KeyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestReloadRotation rotates the files under a running HTTPS server whose
// Reloader checks on every handshake: the next handshake presents the new
// certificate; then a broken pair keeps the old one in use and is reported.
func TestReloadRotation(t *testing.T) {
	p := newPKI(t)
	live := testcerts.Pair{CertFile: p.dir + "/live.pem", KeyFile: p.dir + "/live-key.pem"}
	copyPair(t, p.server, live)
	var reported []error
	var mu sync.Mutex // guards reported
	r, err := mtls.NewReloader(live.CertFile, live.KeyFile, mtls.ReloaderSettings{
		CheckInterval: -1,
		OnError:       func(err error) { mu.Lock(); reported = append(reported, err); mu.Unlock() },
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := mtls.NewServerConfig(r, p.ca.File)
	if err != nil {
		t.Fatal(err)
	}
	srv := newTLSServer(t, cfg)
	if cn := serverCN(t, srv.URL, p); cn != "server" {
		t.Fatalf("first handshake: server CN %q, want server", cn)
	}
	rotated := p.ca.Issue(t, p.dir, "rotated", testcerts.Leaf{CommonName: "rotated", DNSNames: []string{"localhost"}})
	copyPair(t, rotated, live)
	if cn := serverCN(t, srv.URL, p); cn != "rotated" {
		t.Fatalf("handshake after rotation: server CN %q, want rotated", cn)
	}

	// A key that does not match the certificate: refused, old pair kept.
	if err := os.WriteFile(live.KeyFile, p.server.KeyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if cn := serverCN(t, srv.URL, p); cn != "rotated" {
		t.Fatalf("handshake after a bad rotation: server CN %q, want rotated (the old pair)", cn)
	}
	if r.Err() == nil {
		t.Error("Err() after a bad rotation = nil, want the load error")
	}
	mu.Lock()
	n := len(reported)
	mu.Unlock()
	if n == 0 {
		t.Error("OnError was not called for a bad rotation")
	}
	if _, err := r.Reload(); err == nil || strings.Contains(err.Error(), "PRIVATE KEY") {
		t.Errorf("Reload() of a mismatched pair = %v, want an error naming no key material", err)
	}
	copyPair(t, p.server, live)
	if changed, err := r.Reload(); !changed || err != nil {
		t.Errorf("Reload() of a good new pair = %v, %v; want true, nil", changed, err)
	}
	if r.Err() != nil {
		t.Errorf("Err() after a good reload = %v, want nil", r.Err())
	}
}

// TestReloadInterval: with a clock under the test's control, the files are
// read only once the interval has passed since the last check.
func TestReloadInterval(t *testing.T) {
	p := newPKI(t)
	live := testcerts.Pair{CertFile: p.dir + "/live.pem", KeyFile: p.dir + "/live-key.pem"}
	copyPair(t, p.server, live)
	now := time.Unix(1_000_000, 0)
	var mu sync.Mutex // guards now
	r, err := mtls.NewReloader(live.CertFile, live.KeyFile, mtls.ReloaderSettings{
		CheckInterval: time.Minute,
		Now:           func() time.Time { mu.Lock(); defer mu.Unlock(); return now },
	})
	if err != nil {
		t.Fatal(err)
	}
	cn := func() string {
		c, err := r.GetCertificate(nil)
		if err != nil {
			t.Fatal(err)
		}
		return c.Leaf.Subject.CommonName
	}
	copyPair(t, p.wrongSAN, live)
	mu.Lock()
	now = now.Add(59 * time.Second)
	mu.Unlock()
	if got := cn(); got != "server" {
		t.Errorf("GetCertificate before the interval: CN %q, want server (not reread)", got)
	}
	mu.Lock()
	now = now.Add(time.Second)
	mu.Unlock()
	if got := cn(); got != "elsewhere" {
		t.Errorf("GetCertificate after the interval: CN %q, want elsewhere", got)
	}
	c, err := r.GetClientCertificate(nil)
	if err != nil || c.Leaf.Subject.CommonName != "elsewhere" {
		t.Errorf("GetClientCertificate: %v, want the same pair", err)
	}
}

// TestReloadConcurrent hammers GetCertificate while the files rotate and
// Reload runs: run with -race.
func TestReloadConcurrent(t *testing.T) {
	p := newPKI(t)
	live := testcerts.Pair{CertFile: p.dir + "/live.pem", KeyFile: p.dir + "/live-key.pem"}
	copyPair(t, p.server, live)
	r, err := mtls.NewReloader(live.CertFile, live.KeyFile, mtls.ReloaderSettings{CheckInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				c, err := r.GetCertificate(nil)
				if err != nil || c == nil {
					t.Errorf("GetCertificate: %v, %v", c, err)
					return
				}
			}
		})
	}
	for i := range 20 {
		if i%2 == 0 {
			copyPair(t, p.wrongSAN, live)
		} else {
			copyPair(t, p.server, live)
		}
		_, _ = r.Reload() // a half-written pair may fail; the old one stays
	}
	wg.Wait()
	if r.Certificate() == nil {
		t.Error("Certificate() = nil")
	}
}

// TestBadFiles: missing or empty files are clear errors, never a panic.
func TestBadFiles(t *testing.T) {
	p := newPKI(t)
	empty := p.dir + "/empty.pem"
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := mtls.NewReloader(p.dir+"/missing.pem", p.server.KeyFile, mtls.ReloaderSettings{}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("NewReloader(missing cert) = %v, want ErrNotExist", err)
	}
	if _, err := mtls.NewReloader(p.server.CertFile, empty, mtls.ReloaderSettings{}); err == nil {
		t.Error("NewReloader(empty key) = nil error")
	}
	r := reloader(t, p.server)
	if _, err := mtls.NewServerConfig(r, empty); err == nil || !strings.Contains(err.Error(), "no PEM certificate") {
		t.Errorf("NewServerConfig(empty CA file) = %v, want no PEM certificate", err)
	}
	if _, err := mtls.NewClientConfig(p.dir+"/missing.pem", nil); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("NewClientConfig(missing CA) = %v, want ErrNotExist", err)
	}
	cfg, err := mtls.NewServerConfig(r, "")
	if err != nil || cfg.ClientAuth != tls.NoClientCert || cfg.MinVersion != tls.VersionTLS12 {
		t.Errorf("NewServerConfig(no client CA) = %+v, %v; want TLS 1.2 without client certs", cfg, err)
	}
}
