package log

import (
	"reflect"
	"slices"
	"sync/atomic"

	"github.com/endpointkit/kit/log/internal/core"
)

// With returns a Logger that adds keyvals to every Log call, after any
// keyvals it already binds and before the call's own. Values that are
// Valuers are called anew on every Log call. With on a Logger returned by
// With, WithPrefix or WithSuffix flattens the two into one, so chains of
// With cost one merge per Log call, not one per With.
func With(logger Logger, keyvals ...any) Logger {
	if len(keyvals) == 0 {
		return logger
	}
	c := contextOf(logger)
	prefix := make([]any, 0, len(c.prefix)+len(keyvals)+1)
	prefix = append(prefix, c.prefix...)
	prefix = appendPadded(prefix, keyvals)
	return c.derive(prefix, c.suffix)
}

// WithPrefix returns a Logger that adds keyvals before every other key of
// every Log call, including those bound earlier. Level helpers use it so that
// the level comes first, once per line: so WithPrefix with one pair whose key
// is a string and whose value is a pointer (a level) on a Logger returned by
// With returns a cached Logger after the first call, without allocating.
func WithPrefix(logger Logger, keyvals ...any) Logger {
	// The memo lookup comes first, in a function small enough to inline,
	// as level helpers call it for every line.
	if c, ok := logger.(*context); ok && len(keyvals) == 2 {
		if k, ok := keyvals[0].(string); ok {
			if d := c.memoized(k, keyvals[1]); d != nil {
				return d
			}
		}
	}
	return withPrefix(logger, keyvals)
}

func withPrefix(logger Logger, keyvals []any) Logger {
	if len(keyvals) == 0 {
		return logger
	}
	c, existing := logger.(*context)
	if !existing {
		c = &context{logger: logger}
	}
	memoize := existing && len(keyvals) == 2 && memoizable(keyvals[0], keyvals[1])
	prefix := make([]any, 0, len(c.prefix)+len(keyvals)+1)
	prefix = appendPadded(prefix, keyvals)
	prefix = append(prefix, c.prefix...)
	d := c.derive(prefix, c.suffix)
	if memoize {
		c.memoize(keyvals[0].(string), keyvals[1], d)
	}
	return d
}

// WithSuffix returns a Logger that adds keyvals after every other key of
// every Log call, including suffixes bound earlier.
func WithSuffix(logger Logger, keyvals ...any) Logger {
	if len(keyvals) == 0 {
		return logger
	}
	c := contextOf(logger)
	suffix := make([]any, 0, len(c.suffix)+len(keyvals)+1)
	suffix = append(suffix, c.suffix...)
	suffix = appendPadded(suffix, keyvals)
	return c.derive(c.prefix, suffix)
}

// appendPadded appends keyvals, and ErrMissingValue if their count is odd,
// so that bound keyvals always come in pairs.
func appendPadded(dst, keyvals []any) []any {
	dst = append(dst, keyvals...)
	if len(keyvals)%2 != 0 {
		dst = append(dst, ErrMissingValue)
	}
	return dst
}

// context is the Logger returned by With, WithPrefix and WithSuffix. Apart
// from its memo, which is a cache, it is immutable once built, so it is safe
// for concurrent use when its logger is.
type context struct {
	logger Logger
	prefix []any // before the call's keyvals; even length
	suffix []any // after the call's keyvals; even length
	// hasValuer records whether prefix or suffix holds a Valuer, so that
	// the common case skips the scan.
	hasValuer bool
	// discard is set when logger said, as the context was built, that it
	// drops every line carrying prefix or suffix; Log then returns
	// discardErr at once, without calling Valuers.
	discard    bool
	discardErr error
	// enc is set when logger is one of this package's encoders, which
	// Log then calls with directPrefix and directSuffix without merging.
	// These are prefix and suffix with the default timestamps replaced by
	// nowValues and runs of constant pairs encoded once (see preEncode);
	// directValuer says whether Valuers remain in them.
	enc                        *encoder
	directPrefix, directSuffix []any
	directValuer               bool
	// memo caches the contexts derived by WithPrefix with one constant
	// pair, which is how level helpers are called on every line.
	memo atomic.Pointer[[]memoEntry]
	// levels caches what the level helpers return for this context.
	levels core.Slots
	// lines writes lines directly when enc is set; see LineWriter.
	lines *lineWriter
}

var _ core.Hooks = (*context)(nil)

// LevelSlots implements core.Hooks: the level helpers cache in a context
// what they return for it, so that level.Debug(logger) costs one lookup,
// however the logger was built.
func (c *context) LevelSlots() *core.Slots { return &c.levels }

// LineWriter implements core.Hooks: a context can write lines directly
// when the Logger it wraps can with its bound pairs added (an encoder, or a
// level filter over one for lines of a level it lets through), and when it
// does not drop its lines. The Writer calls the bound Valuers.
func (c *context) LineWriter(prefix, suffix []any) core.Writer {
	if c.discard {
		return nil
	}
	if len(prefix) == 0 && len(suffix) == 0 && c.enc != nil {
		return c.lines
	}
	h, ok := c.logger.(core.Hooks)
	if !ok {
		return nil
	}
	return h.LineWriter(append(slices.Clip(c.prefix), prefix...), append(slices.Clip(suffix), c.suffix...))
}

type memoEntry struct {
	key     string
	value   any // a pointer, so that == never panics
	derived *context
}

// maxMemo bounds the memo: level helpers need four entries.
const maxMemo = 8

// memoizable reports whether WithPrefix(c, key, value) may be cached: the key
// is a string and the value a pointer, so that equal pairs bind the same
// keyvals and comparing them is cheap and cannot panic.
func memoizable(key, value any) bool {
	if _, ok := key.(string); !ok || value == nil {
		return false
	}
	return reflect.TypeOf(value).Kind() == reflect.Pointer
}

// memoized looks up the context derived with key and value. Memo entries
// hold pointers, and == on interfaces of different types is false, so the
// lookup is safe whatever the pair.
func (c *context) memoized(key string, value any) *context {
	if m := c.memo.Load(); m != nil {
		for i := range *m {
			if e := &(*m)[i]; e.value == value && e.key == key {
				return e.derived
			}
		}
	}
	return nil
}

// memoize adds an entry by copy on write. Racing writers may lose an entry;
// that costs only a rebuild later.
func (c *context) memoize(key string, value any, d *context) {
	old := c.memo.Load()
	var entries []memoEntry
	if old != nil {
		if len(*old) >= maxMemo {
			return
		}
		entries = append(entries, *old...)
	}
	entries = append(entries, memoEntry{key, value, d})
	c.memo.CompareAndSwap(old, &entries)
}

func contextOf(logger Logger) *context {
	if c, ok := logger.(*context); ok {
		return c
	}
	return &context{logger: logger}
}

func (c *context) derive(prefix, suffix []any) *context {
	d := &context{
		logger:    c.logger,
		prefix:    prefix,
		suffix:    suffix,
		hasValuer: containsValuer(prefix) || containsValuer(suffix),
	}
	if e, ok := c.logger.(*encoder); ok && len(prefix) <= maxDirect && len(suffix) <= maxDirect {
		d.enc = e
		d.directPrefix = preEncode(withNowValues(prefix, &e.now), e.json)
		d.directSuffix = preEncode(withNowValues(suffix, &e.now), e.json)
		d.directValuer = containsValuer(d.directPrefix) || containsValuer(d.directSuffix)
		d.lines = &lineWriter{enc: e, prefix: d.directPrefix, suffix: d.directSuffix, valuers: d.directValuer}
	}
	if h, ok := c.logger.(core.Hooks); ok {
		if drop, err := h.Discards(prefix); drop {
			d.discard, d.discardErr = true, err
		} else if drop, err := h.Discards(suffix); drop {
			d.discard, d.discardErr = true, err
		}
	}
	return d
}

// Log merges the bound keyvals with the call's into a pooled slice, calls
// the Valuers among the bound values, and passes the result on. The pooled
// slice is safe to reuse afterwards because Loggers must not retain keyvals.
func (c *context) Log(keyvals ...any) error {
	if c.discard {
		return c.discardErr
	}
	if c.enc != nil {
		if c.directValuer {
			return c.logDirectValuers(keyvals)
		}
		return c.enc.logParts(c.directPrefix, keyvals, c.directSuffix)
	}
	buf := core.GetKeyvals()
	kv := append(buf.KV, c.prefix...)
	kv = append(kv, keyvals...)
	if len(keyvals)%2 != 0 && len(c.suffix) > 0 {
		kv = append(kv, ErrMissingValue) // keep the suffix's keys in key position
	}
	kv = append(kv, c.suffix...)
	if c.hasValuer {
		// bindValues is called from here, directly, so that Caller's depth
		// counts the same frames whatever the bound keyvals.
		bindValues(kv[:len(c.prefix)])
		bindValues(kv[len(kv)-len(c.suffix):])
	}
	err := c.logger.Log(kv...)
	buf.KV = kv
	core.PutKeyvals(buf)
	return err
}

// logDirectValuers writes to the context's encoder when Valuers remain
// among the bound keyvals. Their copies with Valuers called are made on the
// stack: the encoders are called directly, not through the Logger
// interface, so escape analysis keeps the copies there and filling them
// costs no write barriers. (This is a function of its own because Go zeroes
// such arrays on entry to the function that declares them.) The Valuers are
// called here, not through bindValues, so that Caller counts the same
// frames as on the merging path.
func (c *context) logDirectValuers(keyvals []any) error {
	var pre, suf [maxDirect]any
	prefix := pre[:copy(pre[:], c.directPrefix)]
	suffix := suf[:copy(suf[:], c.directSuffix)]
	for i := 1; i < len(prefix); i += 2 {
		if v, ok := prefix[i].(Valuer); ok {
			prefix[i] = v()
		}
	}
	for i := 1; i < len(suffix); i += 2 {
		if v, ok := suffix[i].(Valuer); ok {
			suffix[i] = v()
		}
	}
	return c.enc.logParts(prefix, keyvals, suffix)
}

// Discards implements core.Hooks for contexts too, so that a filter stays
// visible through any number of With calls.
func (c *context) Discards(bound []any) (bool, error) {
	if c.discard {
		return true, c.discardErr
	}
	if h, ok := c.logger.(core.Hooks); ok {
		return h.Discards(bound)
	}
	return false, nil
}

// maxDirect is the most bound keyvals (per side) a context copies to the
// stack to write straight to one of this package's encoders.
const maxDirect = 16

// bindValues replaces each Valuer among the values of keyvals by its result.
func bindValues(keyvals []any) {
	for i := 1; i < len(keyvals); i += 2 {
		if v, ok := keyvals[i].(Valuer); ok {
			keyvals[i] = v()
		}
	}
}

// withNowValues returns keyvals with DefaultTimestamp and DefaultTimestampUTC
// replaced by their nowValues in nv, copied only if there are any.
func withNowValues(keyvals []any, nv *nowValues) []any {
	out := keyvals
	for i := 1; i < len(keyvals); i += 2 {
		v, ok := keyvals[i].(Valuer)
		if !ok {
			continue
		}
		if n := asNowValue(v, nv); n != nil {
			if &out[0] == &keyvals[0] {
				out = append([]any(nil), keyvals...)
			}
			out[i] = n
		}
	}
	return out
}

func containsValuer(keyvals []any) bool {
	for i := 1; i < len(keyvals); i += 2 {
		if _, ok := keyvals[i].(Valuer); ok {
			return true
		}
	}
	return false
}
