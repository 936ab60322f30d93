package ratelimit

import (
	"context"
	"encoding/binary"
	"hash/maphash"
	"sync"
	"time"

	"github.com/endpointkit/kit/endpoint"
)

// KeyedSettings configures a [Keyed]. The zero value is ready to use.
type KeyedSettings struct {
	// Idle is how long a key may go unused before its limiter is dropped
	// (a caller that returns later starts afresh, with a full burst). Zero
	// means 10m. It is measured on the wall clock (a clock step moves
	// it).
	Idle time.Duration
	// MaxKeys bounds how many keys are held at once; when a new key would
	// pass it, the least recently used key is dropped, idle or not. Zero
	// means 10000.
	MaxKeys int
	// MaxKeyBytes bounds the size of a key as held: a longer key (a
	// header or a token a caller chooses, say) is held as a 64-bit hash of
	// it, seeded at random per Keyed so that callers cannot aim at a
	// collision. It still gets a limiter of its own. Zero means 256.
	MaxKeyBytes int
}

// Keyed keeps one limiter per key (a caller, a tenant, a route), created on
// first use, so that one noisy key cannot spend everyone's budget. Memory is
// bounded: keys idle for longer than Settings.Idle are dropped, and so is
// the least recently used key when MaxKeys are held; a key longer than
// MaxKeyBytes is held as a hash of it. Eviction is done by the
// calls themselves, in constant time each; no goroutine is started.
//
// A Keyed is safe for concurrent use. Limiters are called outside its lock.
type Keyed struct {
	newLimiter func(key string) Allower
	idle       time.Duration
	maxKeys    int
	maxKeySize int
	seed       maphash.Seed

	mu   sync.Mutex // guards keys and the list through root
	keys map[string]*keyEntry
	root keyEntry // sentinel of a circular list, most recently used first
}

type keyEntry struct {
	key        string
	lim        Allower
	last       int64 // Unix nanoseconds of its last use
	prev, next *keyEntry
}

// NewKeyed returns a Keyed that calls newLimiter for each key it has not
// seen (or has dropped). newLimiter is called under Keyed's lock and must
// not call back into it; rate.NewLimiter is typical:
//
//	k := ratelimit.NewKeyed(func(string) ratelimit.Allower {
//		return rate.NewLimiter(10, 20)
//	}, ratelimit.KeyedSettings{})
func NewKeyed(newLimiter func(key string) Allower, s KeyedSettings) *Keyed {
	if s.Idle <= 0 {
		s.Idle = 10 * time.Minute
	}
	if s.MaxKeys <= 0 {
		s.MaxKeys = 10000
	}
	if s.MaxKeyBytes <= 0 {
		s.MaxKeyBytes = 256
	}
	k := &Keyed{newLimiter: newLimiter, idle: s.Idle, maxKeys: s.MaxKeys, maxKeySize: s.MaxKeyBytes,
		seed: maphash.MakeSeed(), keys: make(map[string]*keyEntry)}
	k.root.prev, k.root.next = &k.root, &k.root
	return k
}

// Allow is shorthand for AllowAt(key, time.Now()).
func (k *Keyed) Allow(key string) bool { return k.AllowAt(key, time.Now()) }

// AllowAt reports whether key's limiter allows one event, with now as the
// instant of use for idle-key eviction. (The limiters keep their own time.)
func (k *Keyed) AllowAt(key string, now time.Time) bool {
	ns := now.UnixNano()
	held := key
	if len(key) > k.maxKeySize {
		held = k.hashKey(key)
	}
	k.mu.Lock()
	k.evictIdleLocked(ns)
	e := k.keys[held]
	if e == nil {
		if len(k.keys) >= k.maxKeys {
			k.removeLocked(k.root.prev)
		}
		e = &keyEntry{key: held, lim: k.newLimiter(key)}
		k.keys[held] = e
		k.pushFrontLocked(e)
	} else if k.root.next != e {
		// Moved to the front only if it is not there already: a hot key
		// called again and again writes nothing but its time.
		k.unlinkLocked(e)
		k.pushFrontLocked(e)
	}
	e.last = ns
	lim := e.lim
	k.mu.Unlock()
	return lim.Allow()
}

// hashKey is what a key longer than MaxKeyBytes is held as: a marker byte
// that no short key of this form can forge without the seed, and a 64-bit
// hash of the key.
func (k *Keyed) hashKey(key string) string {
	var b [9]byte
	b[0] = 0xff
	binary.LittleEndian.PutUint64(b[1:], maphash.String(k.seed, key))
	return string(b[:])
}

// Len returns the number of keys held.
func (k *Keyed) Len() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.keys)
}

// evictIdleLocked drops keys unused since ns-idle (Unix nanoseconds),
// oldest first: integer comparisons, cheaper than time.Time arithmetic on
// every call. The caller holds k.mu.
func (k *Keyed) evictIdleLocked(ns int64) {
	cutoff := ns - int64(k.idle)
	for e := k.root.prev; e != &k.root && e.last <= cutoff; e = k.root.prev {
		k.removeLocked(e)
	}
}

// removeLocked forgets e. The caller holds k.mu.
func (k *Keyed) removeLocked(e *keyEntry) {
	k.unlinkLocked(e)
	delete(k.keys, e.key)
}

func (k *Keyed) unlinkLocked(e *keyEntry) {
	e.prev.next, e.next.prev = e.next, e.prev
	e.prev, e.next = nil, nil
}

func (k *Keyed) pushFrontLocked(e *keyEntry) {
	e.prev, e.next = &k.root, k.root.next
	k.root.next.prev = e
	k.root.next = e
}

// Middleware returns a Middleware that limits each call by the limiter of
// the key that key finds in its context (a caller's identity put there by a
// transport's before-hook, say), failing with [ErrLimited] when it refuses.
func (k *Keyed) Middleware(key func(ctx context.Context) string) endpoint.Middleware {
	return func(next endpoint.Endpoint) endpoint.Endpoint {
		return func(ctx context.Context, request any) (any, error) {
			if !k.Allow(key(ctx)) {
				return nil, ErrLimited
			}
			return next(ctx, request)
		}
	}
}
