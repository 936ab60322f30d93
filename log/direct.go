package log

import (
	"log/slog"
	"time"

	"github.com/endpointkit/kit/log/internal/core"
	"github.com/endpointkit/kit/log/internal/format"
)

// lineWriter implements core.Writer for an encoder and the contexts that
// write straight to it. Its output is byte for byte what the Logger writes
// for keyvals holding the same values.
type lineWriter struct {
	enc            *encoder
	prefix, suffix []any // bound pairs, as a context passes them to its encoder
	// valuers says that Valuers remain among prefix and suffix: Begin and
	// End call them, directly, so that Caller counts the same frames as
	// through a context's Log when they are called from a Log method.
	valuers bool
}

var _ core.Writer = (*lineWriter)(nil)

func (w *lineWriter) Begin() *core.Line {
	l := core.GetLine()
	b := l.B
	switch {
	case !w.valuers && w.enc.json:
		b = appendJSONPairs(append(b, '{'), w.prefix, false)
	case !w.valuers:
		b = appendLogfmtPairs(b, w.prefix, false)
	default:
		if w.enc.json {
			b = append(b, '{')
		}
		for i := 0; i+1 < len(w.prefix); i += 2 {
			v := w.prefix[i+1]
			if f, ok := v.(Valuer); ok {
				v = f()
			}
			pair := [2]any{w.prefix[i], v}
			b = w.appendPairs(b, pair[:], i > 0)
		}
	}
	l.B, l.More = b, len(w.prefix) > 0
	return l
}

func (w *lineWriter) End(l *core.Line) error {
	b := l.B
	switch {
	case !w.valuers && w.enc.json:
		b = appendJSONPairs(b, w.suffix, l.More)
	case !w.valuers:
		b = appendLogfmtPairs(b, w.suffix, l.More)
	default:
		for i := 0; i+1 < len(w.suffix); i += 2 {
			v := w.suffix[i+1]
			if f, ok := v.(Valuer); ok {
				v = f()
			}
			pair := [2]any{w.suffix[i], v}
			b = w.appendPairs(b, pair[:], l.More || i > 0)
		}
	}
	if w.enc.json {
		b = append(b, '}', '\n')
	} else {
		b = append(b, '\n')
	}
	l.B = b
	_, err := w.enc.w.Write(b)
	core.PutLine(l)
	return err
}

// appendPairs appends bound pairs in w's format. (Begin and End call the
// format's function themselves when no Valuers are bound: this one is not
// inlined, and the extra call cost about 45 instructions a line.)
func (w *lineWriter) appendPairs(b []byte, pairs []any, more bool) []byte {
	if w.enc.json {
		return appendJSONPairs(b, pairs, more)
	}
	return appendLogfmtPairs(b, pairs, more)
}

func (w *lineWriter) Key(l *core.Line, key string) {
	b := l.B
	if w.enc.json {
		if l.More {
			b = append(b, ',')
		}
		l.B = append(format.AppendJSONString(b, key), ':')
	} else {
		if l.More {
			b = append(b, ' ')
		}
		l.B = append(format.AppendLogfmtKey(b, key), '=')
	}
	l.More = true
}

func (w *lineWriter) String(l *core.Line, s string) {
	if w.enc.json {
		l.B = format.AppendJSONString(l.B, s)
	} else {
		l.B = format.AppendLogfmtString(l.B, s)
	}
}

func (w *lineWriter) Int64(l *core.Line, i int64)   { l.B = format.AppendInt(l.B, i) }
func (w *lineWriter) Uint64(l *core.Line, u uint64) { l.B = format.AppendUint(l.B, u) }

func (w *lineWriter) Float64(l *core.Line, f float64) {
	if w.enc.json {
		l.B = format.AppendJSONFloat(l.B, f, 64)
	} else {
		l.B = format.AppendFloat64(l.B, f)
	}
}

func (w *lineWriter) Bool(l *core.Line, v bool) {
	if v {
		l.B = append(l.B, "true"...)
	} else {
		l.B = append(l.B, "false"...)
	}
}

func (w *lineWriter) Duration(l *core.Line, d time.Duration) {
	if w.enc.json {
		l.B = append(format.AppendDuration(append(l.B, '"'), d), '"')
	} else {
		l.B = format.AppendDuration(l.B, d)
	}
}

func (w *lineWriter) Time(l *core.Line, t time.Time) {
	if w.enc.json {
		l.B = append(format.AppendRFC3339Nano(append(l.B, '"'), t), '"')
	} else {
		l.B = format.AppendRFC3339Nano(l.B, t)
	}
}

// RecordTime uses the encoder's cache of the current second for times in
// the local zone and UTC; other times would only replace the cached second
// with theirs.
func (w *lineWriter) RecordTime(l *core.Line, t time.Time) {
	var c *format.StampCache
	switch t.Location() {
	case time.Local:
		c = &w.enc.now.local.stamps
	case time.UTC:
		c = &w.enc.now.utc.stamps
	default:
		w.Time(l, t)
		return
	}
	if w.enc.json {
		l.B = append(c.AppendRFC3339Nano(append(l.B, '"'), t), '"')
	} else {
		l.B = c.AppendRFC3339Nano(l.B, t)
	}
}

func (w *lineWriter) Any(l *core.Line, v any) {
	if w.enc.json {
		l.B = appendJSONValue(l.B, v)
	} else {
		l.B = appendLogfmtValue(l.B, v)
	}
}

func (w *lineWriter) Raw(l *core.Line, pairs []byte) {
	l.B = append(l.B, pairs...)
	l.More = l.More || len(pairs) > 0
}

func (w *lineWriter) Attr(l *core.Line, prefix string, a slog.Attr) {
	if a.Value.Kind() == slog.KindLogValuer {
		a.Value = a.Value.Resolve()
	}
	if a.Key == "" && a.Equal(slog.Attr{}) {
		return
	}
	if a.Value.Kind() == slog.KindGroup {
		attrs := a.Value.Group()
		if len(attrs) == 0 {
			return
		}
		if a.Key != "" {
			prefix += a.Key + "."
		}
		for _, ga := range attrs {
			w.Attr(l, prefix, ga)
		}
		return
	}
	if prefix != "" {
		w.Key(l, prefix+a.Key)
	} else {
		w.Key(l, a.Key)
	}
	w.Value(l, a.Value)
}

func (w *lineWriter) Value(l *core.Line, v slog.Value) {
	switch v.Kind() {
	case slog.KindString:
		w.String(l, v.String())
	case slog.KindInt64:
		l.B = format.AppendInt(l.B, v.Int64())
	case slog.KindUint64:
		l.B = format.AppendUint(l.B, v.Uint64())
	case slog.KindFloat64:
		w.Float64(l, v.Float64())
	case slog.KindBool:
		w.Bool(l, v.Bool())
	case slog.KindDuration:
		w.Duration(l, v.Duration())
	case slog.KindTime:
		w.Time(l, v.Time())
	case slog.KindLogValuer:
		w.Value(l, v.Resolve())
	default:
		w.Any(l, v.Any())
	}
}

func (w *lineWriter) Pair(l *core.Line, key []byte, v slog.Value) {
	l.B = append(l.B, key...)
	l.More = true
	w.Value(l, v)
}

// Keys returns the encoder's cache of encoded keys.
func (w *lineWriter) Keys() *core.Keys { return &w.enc.keys }
