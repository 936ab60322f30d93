package slogbridge

// This file is the direct path: records written straight into the line of
// one of kit's encoders, without boxing their values into keyvals.

import (
	"log/slog"
	"runtime"
	"strconv"
	"strings"
)

// boundAttr is an attribute bound by WithAttrs, its key with groups applied
// and its value resolved.
type boundAttr struct {
	key   string
	value slog.Value
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
					if k := h.encoded.Encoded(a.Key); k != nil {
						w.Pair(l, k, a.Value)
						return true
					}
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
