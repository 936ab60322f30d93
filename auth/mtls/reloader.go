package mtls

import (
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultCheckInterval is how often a [Reloader] looks at its files when
// ReloaderSettings.CheckInterval is zero.
const DefaultCheckInterval = 10 * time.Second

// ReloaderSettings configures a [Reloader]. The zero value is ready to use.
type ReloaderSettings struct {
	// CheckInterval is the least time between two reads of the files, done
	// by the handshake that finds the last check older than this. Zero
	// means DefaultCheckInterval; a negative value checks on every
	// handshake.
	CheckInterval time.Duration
	// OnError is called with the error of every failed check after the
	// first load (the old pair stays in use), so a file left broken is
	// reported once per CheckInterval. It is called without any lock
	// held. Nil means errors are only kept for [Reloader.Err].
	OnError func(error)
	// Now returns the current time. Nil means time.Now; tests replace it.
	Now func() time.Time
}

// Reloader serves a certificate and key read from two PEM files and
// re-reads them when they change, so a rotated certificate is used by the
// next handshake without a restart. Its GetCertificate and
// GetClientCertificate methods are meant for the fields of the same names in
// tls.Config.
//
// The files are read at most once per CheckInterval, by the handshake that
// finds the last check stale, or at once by [Reloader.Reload]; nothing runs
// in the background, so there is nothing to stop. A new pair that does not
// load (a half-written file, a key that does not match) is refused: the old
// pair stays in use, and the error goes to OnError and [Reloader.Err].
//
// Handshakes that arrive while the files are being read wait for that
// read (two small files, at most once per CheckInterval).
//
// A Reloader is safe for concurrent use. Make one with [NewReloader].
type Reloader struct {
	certFile, keyFile string
	interval          time.Duration
	onError           func(error)
	now               func() time.Time

	cert atomic.Pointer[tls.Certificate] // the pair in use; never nil

	mu        sync.Mutex // guards lastCheck, certPEM, keyPEM, err
	lastCheck time.Time
	certPEM   []byte // contents of the pair in use, to see a change
	keyPEM    []byte
	err       error // of the last check, nil when it succeeded
}

// NewReloader reads certFile and keyFile (PEM, as tls.LoadX509KeyPair) and
// returns a Reloader serving them. It fails when they do not load.
func NewReloader(certFile, keyFile string, s ReloaderSettings) (*Reloader, error) {
	r := &Reloader{certFile: certFile, keyFile: keyFile, interval: s.CheckInterval, onError: s.OnError, now: s.Now}
	if r.interval == 0 {
		r.interval = DefaultCheckInterval
	}
	if r.now == nil {
		r.now = time.Now
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, err := r.load(); err != nil {
		return nil, err
	}
	r.lastCheck = r.now()
	return r, nil
}

// load reads both files and installs them when they changed and load; it
// reports whether they changed. r.mu must be held.
func (r *Reloader) load() (bool, error) {
	certPEM, err := os.ReadFile(r.certFile)
	if err != nil {
		return false, fmt.Errorf("mtls: read certificate: %w", err)
	}
	keyPEM, err := os.ReadFile(r.keyFile)
	if err != nil {
		return false, fmt.Errorf("mtls: read key: %w", err)
	}
	if bytes.Equal(certPEM, r.certPEM) && bytes.Equal(keyPEM, r.keyPEM) {
		return false, nil
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		// The message of X509KeyPair names no key material.
		return false, fmt.Errorf("mtls: load %s and %s: %w", r.certFile, r.keyFile, err)
	}
	r.cert.Store(&cert)
	r.certPEM, r.keyPEM = certPEM, keyPEM
	return true, nil
}

// Reload reads the files now, whatever the interval, and reports whether
// the pair changed. On error the old pair stays in use; the error is also
// passed to OnError.
func (r *Reloader) Reload() (changed bool, err error) {
	r.mu.Lock()
	changed, err = r.check(r.now())
	onError := r.onError
	r.mu.Unlock()
	if err != nil && onError != nil {
		onError(err)
	}
	return changed, err
}

// check loads the files and records the result. r.mu must be held.
func (r *Reloader) check(now time.Time) (bool, error) {
	r.lastCheck = now
	changed, err := r.load()
	r.err = err
	return changed, err
}

// maybeReload reloads the files when the last check is older than the
// interval.
func (r *Reloader) maybeReload() {
	now := r.now()
	r.mu.Lock()
	if r.interval > 0 && now.Sub(r.lastCheck) < r.interval {
		r.mu.Unlock()
		return
	}
	_, err := r.check(now)
	onError := r.onError
	r.mu.Unlock()
	if err != nil && onError != nil {
		onError(err)
	}
}

// Err returns the error of the last check, or nil if it succeeded.
func (r *Reloader) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// Certificate returns the pair in use, without checking the files.
func (r *Reloader) Certificate() *tls.Certificate { return r.cert.Load() }

// GetCertificate is for tls.Config.GetCertificate: it returns the pair in
// use, after reloading the files if they are due for a check.
func (r *Reloader) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	r.maybeReload()
	return r.cert.Load(), nil
}

// GetClientCertificate is for tls.Config.GetClientCertificate, the client
// side of mTLS: like GetCertificate, it returns the pair in use whatever the
// server asked for; the server's verification decides.
func (r *Reloader) GetClientCertificate(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
	r.maybeReload()
	return r.cert.Load(), nil
}

// errNoCerts is returned for a CA file holding no certificate.
var errNoCerts = errors.New("mtls: no PEM certificate found")
