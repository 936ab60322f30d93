package jwt

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	stdjwt "github.com/golang-jwt/jwt/v5"
)

// JWKSSettings configures a JWKS. The zero value is ready to use.
type JWKSSettings struct {
	// Client fetches the key set. Nil means a new http.Client with no
	// timeout of its own (FetchTimeout bounds each fetch).
	Client *http.Client
	// RefreshInterval is how often the key set is fetched in the
	// background. Zero means 1h; negative means never in the background
	// (only for unknown kids and when the keys are missing or too old).
	RefreshInterval time.Duration
	// MinRefreshInterval is the least time between two fetches that
	// tokens cause (an unknown kid, missing keys): however many such tokens
	// arrive, the key server sees at most one request per interval. Zero
	// means 30s. The price: a token signed with a key published less than
	// this after the last fetch is refused until the interval has passed;
	// identity providers publish new keys ahead of signing with them.
	MinRefreshInterval time.Duration
	// FetchTimeout bounds one fetch, and so how long a call with an
	// unknown kid may wait for one. Zero means 5s.
	FetchTimeout time.Duration
	// MaxStale is how long keys stay usable after the last successful
	// fetch while fetches fail (the key server is down, or answers
	// garbage). Zero means 24h; negative means forever.
	MaxStale time.Duration
	// MaxBytes bounds the key set document. Zero means 1 MiB.
	MaxBytes int64
}

// JWKS is a key set fetched from a JWK Set URL (RFC 7517), for NewParser:
// pass its Keyfunc. It caches the keys and verifies with them without a
// network call; it refetches them in the background every
// RefreshInterval, and when a token names a kid it does not know (a key
// was rotated in), at most once per MinRefreshInterval however many such
// tokens arrive. When fetches fail it keeps the keys it has for MaxStale.
//
// A key verifies only the algorithms of its type (RSA: RS*/PS*, Ed25519:
// EdDSA, EC: the ES* of its curve; just its "alg" when it names one), and
// never as an HMAC secret, so a token that switches alg to HS256 cannot
// use a public key as a shared secret.
//
// A JWKS is safe for concurrent use. NewJWKS starts a goroutine (unless
// RefreshInterval is negative); Close stops it.
type JWKS struct {
	url      string
	settings JWKSSettings
	client   *http.Client

	keys atomic.Pointer[keySet] // what Keyfunc reads; nil until a fetch succeeds

	ctx    context.Context // ends at Close, cancelling any fetch
	cancel context.CancelFunc
	done   chan struct{}  // closed when the background goroutine returns
	calls  sync.WaitGroup // Refresh's fetches, which Close waits for

	mu       sync.Mutex    // guards lastTry, inflight, lastErr
	lastTry  time.Time     // when the last fetch started
	inflight chan struct{} // closed when the fetch under way ends; nil if none
	lastErr  error         // of the last fetch
}

// keySet is one fetched key set, never modified once stored.
type keySet struct {
	keys    map[string]*jwk
	fetched time.Time
}

// NewJWKS returns a JWKS for the key set at url. It does not fetch: the
// background goroutine fetches at once, and so does the first token; call
// Refresh to wait for the keys (and fail at start-up if they cannot be had).
func NewJWKS(url string, s JWKSSettings) *JWKS {
	if s.RefreshInterval == 0 {
		s.RefreshInterval = time.Hour
	}
	if s.MinRefreshInterval <= 0 {
		s.MinRefreshInterval = 30 * time.Second
	}
	if s.FetchTimeout <= 0 {
		s.FetchTimeout = 5 * time.Second
	}
	if s.MaxStale == 0 {
		s.MaxStale = 24 * time.Hour
	}
	if s.MaxBytes <= 0 {
		s.MaxBytes = 1 << 20
	}
	client := s.Client
	if client == nil {
		client = &http.Client{}
	}
	ctx, cancel := context.WithCancel(context.Background())
	j := &JWKS{url: url, settings: s, client: client, ctx: ctx, cancel: cancel, done: make(chan struct{})}
	if s.RefreshInterval > 0 {
		go j.loop()
	} else {
		close(j.done)
	}
	return j
}

// Close stops the background refresh and cancels a fetch under way, and
// waits for them. Keys already fetched stay usable. It always returns nil.
func (j *JWKS) Close() error {
	j.cancel()
	<-j.done
	j.calls.Wait()
	return nil
}

func (j *JWKS) loop() {
	defer close(j.done)
	t := time.NewTicker(j.settings.RefreshInterval)
	defer t.Stop()
	for {
		_ = j.fetch(true) // failures keep the old keys; Status reports them
		select {
		case <-j.ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Refresh fetches the key set now, unless a fetch is under way (then it
// waits for that one), and returns its error. ctx bounds the wait, not the
// fetch, which FetchTimeout bounds and Close cancels.
func (j *JWKS) Refresh(ctx context.Context) error {
	done := make(chan error, 1) // buffered: the fetch may outlive ctx
	j.calls.Add(1)
	go func() {
		defer j.calls.Done()
		done <- j.fetch(true)
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Status returns when the keys in use were fetched (zero if never) and the
// error of the last fetch (nil if it succeeded), for a health check.
func (j *JWKS) Status() (fetched time.Time, err error) {
	j.mu.Lock()
	err = j.lastErr
	j.mu.Unlock()
	if ks := j.keys.Load(); ks != nil {
		fetched = ks.fetched
	}
	return fetched, err
}

// Keyfunc is a stdjwt.Keyfunc for NewParser: it returns the key the
// token's kid names (or the only key, for a token without kid and a set of
// one), if that key may verify the token's alg. It returns
// ErrUnknownKey when no key fits even after a refresh,
// ErrUnexpectedSigningMethod when the key does not fit the alg, and
// ErrKeysUnavailable when there are no keys fresh enough (see MaxStale).
func (j *JWKS) Keyfunc(token *stdjwt.Token) (any, error) {
	kid, _ := token.Header["kid"].(string)
	alg := token.Method.Alg()
	ks := j.usable()
	if ks == nil {
		_ = j.fetch(false)
		if ks = j.usable(); ks == nil {
			return nil, ErrKeysUnavailable
		}
	}
	k := ks.find(kid)
	if k == nil {
		// Perhaps a new key was rotated in: one fetch, rate-limited.
		_ = j.fetch(false)
		if ks = j.usable(); ks == nil {
			return nil, ErrKeysUnavailable
		}
		if k = ks.find(kid); k == nil {
			return nil, ErrUnknownKey
		}
	}
	if !k.allows(alg) {
		return nil, ErrUnexpectedSigningMethod
	}
	return k.key, nil
}

// usable returns the current key set, or nil when there is none or it is
// older than MaxStale.
func (j *JWKS) usable() *keySet {
	ks := j.keys.Load()
	if ks == nil || (j.settings.MaxStale > 0 && time.Since(ks.fetched) > j.settings.MaxStale) {
		return nil
	}
	return ks
}

func (ks *keySet) find(kid string) *jwk {
	if k, ok := ks.keys[kid]; ok {
		return k
	}
	if kid == "" && len(ks.keys) == 1 {
		for _, k := range ks.keys {
			return k
		}
	}
	return nil
}

var errRateLimited = errors.New("jwt: key set fetched too recently")

// fetch fetches the key set and stores it, or joins a fetch under way.
// Unless forced, it does nothing when the last fetch started less than
// MinRefreshInterval ago: that bound is what keeps a flood of unknown kids
// from becoming a flood of requests to the key server.
func (j *JWKS) fetch(force bool) error {
	j.mu.Lock()
	if wait := j.inflight; wait != nil {
		j.mu.Unlock()
		<-wait
		j.mu.Lock()
		err := j.lastErr
		j.mu.Unlock()
		return err
	}
	if !force && !j.lastTry.IsZero() && time.Since(j.lastTry) < j.settings.MinRefreshInterval {
		j.mu.Unlock()
		return errRateLimited
	}
	j.lastTry = time.Now()
	done := make(chan struct{})
	j.inflight = done
	j.mu.Unlock()

	keys, err := j.get()
	if err == nil {
		j.keys.Store(&keySet{keys: keys, fetched: time.Now()})
	}

	j.mu.Lock()
	j.lastErr = err
	j.inflight = nil
	j.mu.Unlock()
	close(done)
	return err
}

// get does one GET of the key set, bounded in time and size.
func (j *JWKS) get() (map[string]*jwk, error) {
	ctx, cancel := context.WithTimeout(j.ctx, j.settings.FetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, j.url, nil)
	if err != nil {
		return nil, fmt.Errorf("jwt: key set: %w", err)
	}
	req.Header.Set("Accept", "application/jwk-set+json, application/json")
	resp, err := j.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("jwt: key set: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
		return nil, fmt.Errorf("jwt: key set: status %d", resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, j.settings.MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("jwt: key set: %w", err)
	}
	if int64(len(body)) > j.settings.MaxBytes {
		return nil, fmt.Errorf("jwt: key set: larger than %d bytes", j.settings.MaxBytes)
	}
	keys, err := parseJWKS(body)
	if err != nil {
		return nil, fmt.Errorf("jwt: key set: %w", err)
	}
	return keys, nil
}
