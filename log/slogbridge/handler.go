package slogbridge

import (
	"context"
	"log/slog"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/endpointkit/kit/log"
	"github.com/endpointkit/kit/log/internal/core"
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
// log.NewJSONLogger), or a Logger made by log.With and friends over one,
// the Handler writes each record straight into the encoder's line, without
// boxing its values, and encodes the attributes bound by WithAttrs once:
// the same bytes, faster. Other Loggers, level filters included, receive
// keyvals through Log.
//
// log.DefaultCaller counts frames from a kit Log call, so bound in a Logger
// under a Handler it names a frame inside log/slog; set AddSource instead.
type Handler struct {
	logger   log.Logger
	minLevel slog.Leveler
	names    [3]any // time, level, message keys: strings, boxed once here rather than per record
	keys     *keyCache
	source   bool // log the record's source
	// drops says, for each kit level, whether the Logger drops every
	// line of that level (a kit level filter that the Logger can see),
	// as it told when the Handler was built.
	drops [4]bool
	bound []any  // keyvals from WithAttrs, groups applied
	group string // prefix for keys: the open groups joined by dots, ending in a dot

	// The direct path, taken when the Logger is one of kit's encoders
	// (or a Logger made by log.With over one): records are written
	// straight into the encoder's line, without boxing values into
	// keyvals. Its output is the same, byte for byte.
	lw       core.Writer
	encoded  *core.Keys // lw.Keys()
	nameKeys [3]string  // names, unboxed
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
	if hooks, ok := logger.(core.Hooks); ok {
		h.lw = hooks.LineWriter(nil, nil)
		for i, lv := range []slog.Level{slog.LevelDebug, slog.LevelInfo, slog.LevelWarn, slog.LevelError} {
			h.drops[i], _ = hooks.Discards([]any{h.names[1], KitLevel(lv)})
		}
	}
	if h.lw != nil {
		h.encoded = h.lw.Keys()
		for i, more := range []bool{false, true} {
			h.tsKey[i] = core.EncodeKey(h.lw, h.nameKeys[0], more)
			for j, lv := range []slog.Level{slog.LevelDebug, slog.LevelInfo, slog.LevelWarn, slog.LevelError} {
				l := &core.Line{More: more}
				h.lw.Key(l, h.nameKeys[1])
				h.lw.String(l, KitLevel(lv).String())
				h.lw.Key(l, h.nameKeys[2])
				h.head[i][j] = l.B
			}
		}
	}
	return h
}

// Enabled reports whether l is at or above the Handler's minimum level and
// is not dropped by a kit level filter that the Logger can see.
func (h *Handler) Enabled(_ context.Context, l slog.Level) bool {
	return l >= h.minLevel.Level() && !h.drops[levelIndex(l)]
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

// Handle writes r through the Logger with one Log call.
func (h *Handler) Handle(_ context.Context, r slog.Record) error {
	if h.lw != nil {
		return h.handleDirect(r)
	}
	buf := core.GetKeyvals()
	kv := buf.KV
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
	buf.KV = kv
	core.PutKeyvals(buf)
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
			l := &core.Line{More: true}
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

var _ slog.Handler = (*Handler)(nil)
