package slogbridge

import (
	"context"
	"hash/maphash"
	"log/slog"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/endpointkit/kit/log"
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
}

// NewHandler returns a Handler that writes to logger. opts may be nil.
func NewHandler(logger log.Logger, opts *HandlerOptions) *Handler {
	h := &Handler{logger: logger, minLevel: slog.LevelInfo, names: [3]any{"ts", "level", "msg"}, keys: newKeyCache()}
	if opts != nil {
		if opts.Level != nil {
			h.minLevel = opts.Level
		}
		h.source = opts.AddSource
		for i, k := range []string{opts.TimeKey, opts.LevelKey, opts.MessageKey} {
			if k != "" {
				h.names[i] = k
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
	h2.bound = make([]any, len(h.bound), len(h.bound)+2*len(attrs))
	copy(h2.bound, h.bound)
	for _, a := range attrs {
		h2.bound = h.keys.appendAttr(h2.bound, h.group, a)
	}
	return &h2
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
	a.Value = a.Value.Resolve()
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
	seed  maphash.Seed
	slots [keyCacheSlots]atomic.Pointer[boxedKey]
}

const keyCacheSlots = 128

type boxedKey struct {
	s string
	v any // s, boxed
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
