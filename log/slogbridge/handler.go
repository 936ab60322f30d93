package slogbridge

import (
	"context"
	"hash/maphash"
	"log/slog"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/endpointkit/kit/log"
	"github.com/endpointkit/kit/log/internal/lines"
	"github.com/endpointkit/kit/log/level"
)

// HandlerOptions configures a Handler. The zero value is ready to use.
type HandlerOptions struct {
	// Level is the minimum level of the records the Handler writes. Nil
	// means slog.LevelInfo, as for slog's own handlers. Records above it
	// may still be dropped by a kit level filter inside the Logger; Enabled
	// asks that filter too.
	Level slog.Leveler
	// TimeKey, LevelKey and MessageKey name the keys of a record's time,
	// level and message. Empty means "ts", "level" and "msg", the keys kit
	// and Go kit services use. A record with a zero time gets no time key.
	TimeKey, LevelKey, MessageKey string
	// AddSource adds the record's source, as "file.go:line" under the key
	// "caller" (as log.DefaultCaller writes it) after the message.
	AddSource bool
}

// Handler is a slog.Handler that writes records through a kit Logger as
// keyvals: time, level (a level.Value), message, then the attributes, with
// the names of groups joined to keys by dots ("req.method"), as slog's
// TextHandler does. A Handler is immutable and safe for concurrent use when
// its Logger is.
//
// When the Logger is one of kit's encoders (log.NewLogfmtLogger,
// log.NewJSONLogger), or a Logger made by log.With and friends over one that
// binds no Valuers but the default timestamps, the Handler writes each
// record straight into the encoder's line, without boxing its values, and
// encodes the attributes bound by WithAttrs once: the same bytes, faster.
// Other Loggers, level filters included, receive keyvals through Log.
//
// log.DefaultCaller counts frames from a kit Log call, so bound in a Logger
// under a Handler it names a frame inside log/slog; set AddSource instead.
type Handler struct {
	logger   log.Logger
	minLevel slog.Leveler
	names    [3]any // time, level, message keys: strings, boxed once here rather than per record
	keys     *keyCache
	source   bool   // log the record's source
	bound    []any  // keyvals from WithAttrs, groups applied
	group    string // prefix for keys: the open groups joined by dots, ending in a dot

	// The direct path, taken when the Logger is one of kit's encoders
	// (or a Logger made by log.With over one, binding no Valuers but the
	// default timestamps): records are written straight into the
	// encoder's line, without boxing values into keyvals. Its output is
	// the same, byte for byte.
	lw       lines.Writer
	nameKeys [3]string // names, unboxed
	// tsKey and head are encoded once: tsKey the time key, head the
	// level key and value and the message key, for each kit level; each
	// without and with a separator before.
	tsKey      [2][]byte
	head       [2][4][]byte
	boundAttrs []boundAttr // bound, unboxed
	// boundRaw is boundAttrs encoded once, when all their values are
	// constants (strings, numbers, bools, durations and times).
	boundRaw []byte
}

// boundAttr is an attribute bound by WithAttrs, its key with groups applied
// and its value resolved.
type boundAttr struct {
	key   string
	value slog.Value
}

// NewHandler returns a Handler that writes to logger. opts may be nil.
func NewHandler(logger log.Logger, opts *HandlerOptions) *Handler {
	h := &Handler{logger: logger, minLevel: slog.LevelInfo, names: [3]any{"ts", "level", "msg"}, keys: newKeyCache()}
	h.nameKeys = [3]string{"ts", "level", "msg"}
	if opts != nil {
		if opts.Level != nil {
			h.minLevel = opts.Level
		}
		h.source = opts.AddSource
		for i, k := range []string{opts.TimeKey, opts.LevelKey, opts.MessageKey} {
			if k != "" {
				h.names[i], h.nameKeys[i] = k, k
			}
		}
	}
	if src, ok := logger.(lines.Source); ok {
		h.lw = src.LineWriter()
	}
	if h.lw != nil {
		h.keys.lw = h.lw
		for i, more := range []bool{false, true} {
			h.tsKey[i] = h.keys.encodeKey(h.nameKeys[0], more)
			for j, lv := range []slog.Level{slog.LevelDebug, slog.LevelInfo, slog.LevelWarn, slog.LevelError} {
				l := &lines.Line{More: more}
				h.lw.Key(l, h.nameKeys[1])
				h.lw.String(l, KitLevel(lv).String())
				h.lw.Key(l, h.nameKeys[2])
				h.head[i][j] = l.B
			}
		}
	}
	return h
}

// discarder is the protocol by which kit's level filters (and Loggers made
// by log.With over them) say that they drop every line of a level.
type discarder interface {
	LogDiscards(bound []any) (bool, error)
}

// Enabled reports whether l is at or above the Handler's minimum level and
// is not dropped by a kit level filter that the Logger can see.
func (h *Handler) Enabled(_ context.Context, l slog.Level) bool {
	if l < h.minLevel.Level() {
		return false
	}
	if d, ok := h.logger.(discarder); ok {
		bound := [2]any{h.names[1], KitLevel(l)}
		if drop, _ := d.LogDiscards(bound[:]); drop {
			return false
		}
	}
	return true
}

// KitLevel maps a slog level to the kit level that covers it: below
// slog.LevelInfo is debug, below slog.LevelWarn info, below slog.LevelError
// warn, and the rest error.
func KitLevel(l slog.Level) level.Value {
	switch {
	case l < slog.LevelInfo:
		return level.DebugValue()
	case l < slog.LevelWarn:
		return level.InfoValue()
	case l < slog.LevelError:
		return level.WarnValue()
	}
	return level.ErrorValue()
}

type keyvals struct{ kv []any }

// keyvalsPool is a cache of keyval slices; Loggers must not retain keyvals,
// so a slice is free again once Log returns.
var keyvalsPool = sync.Pool{New: func() any { return &keyvals{kv: make([]any, 0, 32)} }}

// Handle writes r through the Logger with one Log call.
func (h *Handler) Handle(_ context.Context, r slog.Record) error {
	if h.lw != nil {
		return h.handleDirect(r)
	}
	buf := keyvalsPool.Get().(*keyvals)
	kv := buf.kv[:0]
	if !r.Time.IsZero() {
		kv = append(kv, h.names[0], r.Time)
	}
	kv = append(kv, h.names[1], KitLevel(r.Level), h.names[2], r.Message)
	if h.source && r.PC != 0 {
		f, _ := runtime.CallersFrames([]uintptr{r.PC}).Next()
		kv = append(kv, "caller", f.File[strings.LastIndexByte(f.File, '/')+1:]+":"+strconv.Itoa(f.Line))
	}
	kv = append(kv, h.bound...)
	r.Attrs(func(a slog.Attr) bool {
		kv = h.keys.appendAttr(kv, h.group, a)
		return true
	})
	err := h.logger.Log(kv...)
	clear(kv)
	buf.kv = kv[:0]
	keyvalsPool.Put(buf)
	return err
}

// WithAttrs returns a Handler that adds attrs to every record, inside the
// groups open now.
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	h2 := *h
	if h.lw != nil {
		h2.boundAttrs = slices.Clip(h.boundAttrs)
		for _, a := range attrs {
			h2.boundAttrs = appendBound(h2.boundAttrs, h.group, a)
		}
		h2.boundRaw = nil
		if allConstant(h2.boundAttrs) {
			// Encoded on a line that has pairs before, as records
			// have: time, level and message.
			l := &lines.Line{More: true}
			for _, a := range h2.boundAttrs {
				h.lw.Key(l, a.key)
				h.lw.Value(l, a.value)
			}
			h2.boundRaw = l.B
		}
		return &h2
	}
	h2.bound = make([]any, len(h.bound), len(h.bound)+2*len(attrs))
	copy(h2.bound, h.bound)
	for _, a := range attrs {
		h2.bound = h.keys.appendAttr(h2.bound, h.group, a)
	}
	return &h2
}

// handleDirect is Handle on the direct path: the same pairs as Handle's
// keyvals, written straight into the encoder's line.
func (h *Handler) handleDirect(r slog.Record) error {
	w := h.lw
	l := w.Begin()
	if !r.Time.IsZero() {
		w.Raw(l, h.tsKey[b2i(l.More)])
		w.RecordTime(l, r.Time)
	}
	w.Raw(l, h.head[b2i(l.More)][levelIndex(r.Level)])
	w.String(l, r.Message)
	if h.source && r.PC != 0 {
		f, _ := runtime.CallersFrames([]uintptr{r.PC}).Next()
		w.Key(l, "caller")
		w.String(l, f.File[strings.LastIndexByte(f.File, '/')+1:]+":"+strconv.Itoa(f.Line))
	}
	if h.boundRaw != nil {
		w.Raw(l, h.boundRaw)
	} else {
		for _, a := range h.boundAttrs {
			w.Key(l, a.key)
			w.Value(l, a.value)
		}
	}
	if r.NumAttrs() > 0 {
		r.Attrs(func(a slog.Attr) bool {
			switch a.Value.Kind() {
			case slog.KindGroup, slog.KindLogValuer:
			default:
				if h.group == "" && a.Key != "" {
					// The common case: an attribute outside
					// groups, whose encoded key is cached.
					w.Pair(l, h.keys.encoded(a.Key), a.Value)
					return true
				}
			}
			w.Attr(l, h.group, a)
			return true
		})
	}
	return w.End(l)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// levelIndex is the index of KitLevel(l) among debug, info, warn, error.
func levelIndex(l slog.Level) int {
	switch {
	case l < slog.LevelInfo:
		return 0
	case l < slog.LevelWarn:
		return 1
	case l < slog.LevelError:
		return 2
	}
	return 3
}

// appendBound appends a to bound as appendAttr appends it to keyvals.
func appendBound(bound []boundAttr, group string, a slog.Attr) []boundAttr {
	if a.Value.Kind() == slog.KindLogValuer {
		a.Value = a.Value.Resolve()
	}
	if a.Key == "" && a.Equal(slog.Attr{}) {
		return bound
	}
	if a.Value.Kind() == slog.KindGroup {
		attrs := a.Value.Group()
		if len(attrs) == 0 {
			return bound
		}
		if a.Key != "" {
			group += a.Key + "."
		}
		for _, ga := range attrs {
			bound = appendBound(bound, group, ga)
		}
		return bound
	}
	return append(bound, boundAttr{group + a.Key, a.Value})
}

// allConstant reports whether the text of every value of bound is fixed.
func allConstant(bound []boundAttr) bool {
	for _, a := range bound {
		switch a.value.Kind() {
		case slog.KindString, slog.KindInt64, slog.KindUint64, slog.KindFloat64,
			slog.KindBool, slog.KindDuration, slog.KindTime:
		default:
			return false
		}
	}
	return true
}

// WithGroup returns a Handler that puts the keys of later attributes in
// group name. An empty name returns h, as slog requires.
func (h *Handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	h2 := *h
	h2.group = h.group + name + "."
	return &h2
}

// appendAttr appends a as keyvals under the key prefix group, following the
// rules of slog.Handler: LogValuers resolved, empty attributes and empty
// groups dropped, the attributes of a group with an empty key inlined.
func (c *keyCache) appendAttr(kv []any, group string, a slog.Attr) []any {
	if a.Value.Kind() == slog.KindLogValuer {
		a.Value = a.Value.Resolve() // which recovers panics: a deferred call
	}
	if a.Equal(slog.Attr{}) {
		return kv
	}
	if a.Value.Kind() == slog.KindGroup {
		attrs := a.Value.Group()
		if len(attrs) == 0 {
			return kv
		}
		if a.Key != "" {
			group += a.Key + "."
		}
		for _, ga := range attrs {
			kv = c.appendAttr(kv, group, ga)
		}
		return kv
	}
	if group != "" {
		return append(kv, group+a.Key, value(a.Value))
	}
	return append(kv, c.box(a.Key), value(a.Value))
}

// value returns v as the Go value kit's encoders know best.
func value(v slog.Value) any {
	switch v.Kind() {
	case slog.KindString:
		return v.String()
	case slog.KindInt64:
		return v.Int64()
	case slog.KindUint64:
		return v.Uint64()
	case slog.KindFloat64:
		return v.Float64()
	case slog.KindBool:
		return v.Bool()
	case slog.KindDuration:
		return v.Duration()
	case slog.KindTime:
		return v.Time()
	}
	return v.Any()
}

var _ slog.Handler = (*Handler)(nil)

// keyCache holds attribute keys already boxed in an interface, so that the
// constant keys of typical call sites (slog.Int("status", ...)) are not
// boxed, which allocates, on every record: a kit Logger takes []any. It is
// shared by a Handler and those derived from it, and safe for concurrent
// use. A slot, once filled, keeps its key: keys that vary per record miss
// and are boxed as before, but never evict the common ones.
type keyCache struct {
	lw    lines.Writer // set, before use, for Handlers on the direct path
	seed  maphash.Seed
	slots [keyCacheSlots]atomic.Pointer[boxedKey]
}

const keyCacheSlots = 128 // encoded relies on it

type boxedKey struct {
	s   string
	v   any    // s, boxed
	enc []byte // s encoded by the cache's lines.Writer, after a pair
}

func newKeyCache() *keyCache { return &keyCache{seed: maphash.MakeSeed()} }

// box returns key as an interface value, from the cache when it is there.
func (c *keyCache) box(key string) any {
	slot := &c.slots[maphash.String(c.seed, key)%keyCacheSlots]
	if e := slot.Load(); e != nil {
		if e.s == key {
			return e.v
		}
		return key
	}
	e := &boxedKey{s: key, v: key}
	slot.CompareAndSwap(nil, e)
	return e.v
}

// encoded returns key encoded by c.lw as a key after a pair: separator,
// key and the character before the value. Keys are encoded only on the
// direct path, whose caches hold no boxed keys.
//
// Its slot is chosen by a cheap hash of the key's length and three of its
// bytes, not maphash, which costs more than the encoding it saves: keys
// that collide only miss, and are encoded again.
func (c *keyCache) encoded(key string) []byte {
	n := uint32(len(key)) // not 0
	h := (n*0x9e3779b1 ^ uint32(key[0])<<16 ^ uint32(key[n/2])<<8 ^ uint32(key[n-1])) * 0x9e3779b1
	slot := &c.slots[h>>25] // the top 7 bits: keyCacheSlots is 128
	if e := slot.Load(); e != nil {
		if e.s == key {
			return e.enc
		}
		return c.encodeKey(key, true)
	}
	e := &boxedKey{s: key, enc: c.encodeKey(key, true)}
	slot.CompareAndSwap(nil, e)
	return e.enc
}

// encodeKey returns key encoded by c.lw, after a pair if more is set.
func (c *keyCache) encodeKey(key string, more bool) []byte {
	l := &lines.Line{More: more}
	c.lw.Key(l, key)
	return l.B
}
