package log

import (
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/endpointkit/kit/log/internal/format"
	"github.com/endpointkit/kit/log/internal/lines"
)

// lineWriter implements lines.Writer for this package's encoders and the
// contexts that write straight to them. Its output is byte for byte what
// the Logger writes for keyvals holding the same values.
type lineWriter struct {
	json           bool
	w              io.Writer
	now            *nowValues
	prefix, suffix []any // bound pairs, as a context passes them to its encoder
}

var _ lines.Writer = (*lineWriter)(nil)

// linesPool is a cache of lines; like linePool, dropping it changes only speed.
var linesPool = sync.Pool{New: func() any { return &lines.Line{B: make([]byte, 0, 1024)} }}

// LineWriter implements lines.Source.
func (l *logfmtLogger) LineWriter() lines.Writer { return l.lines }

// LineWriter implements lines.Source.
func (l *jsonLogger) LineWriter() lines.Writer { return l.lines }

// LineWriter implements lines.Source: a context can write lines directly
// when it writes to an encoder directly, calls no Valuers (but the default
// timestamps, which its encoder formats) and does not drop its lines.
func (c *context) LineWriter() lines.Writer {
	if c.direct == directNone || c.directValuer || c.discard {
		return nil
	}
	return c.lines.Load()
}

func newLineWriter(c *context) *lineWriter {
	w := &lineWriter{json: c.direct == directJSON, prefix: c.directPrefix, suffix: c.directSuffix}
	if l, ok := c.logger.(*logfmtLogger); ok {
		w.w, w.now = l.w, &l.now
	} else {
		l := c.logger.(*jsonLogger)
		w.w, w.now = l.w, &l.now
	}
	return w
}

func (w *lineWriter) Begin() *lines.Line {
	l := linesPool.Get().(*lines.Line)
	b := l.B[:0]
	if w.json {
		b = appendJSONPairs(append(b, '{'), w.prefix, false)
	} else {
		b = appendLogfmtPairs(b, w.prefix, false)
	}
	l.B, l.More = b, len(w.prefix) > 0
	return l
}

func (w *lineWriter) End(l *lines.Line) error {
	b := l.B
	if w.json {
		b = append(appendJSONPairs(b, w.suffix, l.More), '}', '\n')
	} else {
		b = append(appendLogfmtPairs(b, w.suffix, l.More), '\n')
	}
	_, err := w.w.Write(b)
	if cap(b) <= maxPooledBuffer {
		l.B = b[:0]
		linesPool.Put(l)
	}
	return err
}

func (w *lineWriter) Key(l *lines.Line, key string) {
	b := l.B
	if w.json {
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

func (w *lineWriter) String(l *lines.Line, s string) {
	if w.json {
		l.B = format.AppendJSONString(l.B, s)
	} else {
		l.B = format.AppendLogfmtString(l.B, s)
	}
}

func (w *lineWriter) Int64(l *lines.Line, i int64)   { l.B = format.AppendInt(l.B, i) }
func (w *lineWriter) Uint64(l *lines.Line, u uint64) { l.B = format.AppendUint(l.B, u) }

func (w *lineWriter) Float64(l *lines.Line, f float64) {
	if w.json {
		l.B = format.AppendJSONFloat(l.B, f, 64)
	} else {
		l.B = format.AppendFloat64(l.B, f)
	}
}

func (w *lineWriter) Bool(l *lines.Line, v bool) {
	if v {
		l.B = append(l.B, "true"...)
	} else {
		l.B = append(l.B, "false"...)
	}
}

func (w *lineWriter) Duration(l *lines.Line, d time.Duration) {
	if w.json {
		l.B = append(format.AppendDuration(append(l.B, '"'), d), '"')
	} else {
		l.B = format.AppendDuration(l.B, d)
	}
}

func (w *lineWriter) Time(l *lines.Line, t time.Time) {
	if w.json {
		l.B = append(format.AppendRFC3339Nano(append(l.B, '"'), t), '"')
	} else {
		l.B = format.AppendRFC3339Nano(l.B, t)
	}
}

// RecordTime uses the encoder's cache of the current second for times in
// the local zone and UTC; other times would only replace the cached second
// with theirs.
func (w *lineWriter) RecordTime(l *lines.Line, t time.Time) {
	var c *format.StampCache
	switch t.Location() {
	case time.Local:
		c = &w.now.local.stamps
	case time.UTC:
		c = &w.now.utc.stamps
	default:
		w.Time(l, t)
		return
	}
	if w.json {
		l.B = append(c.AppendRFC3339Nano(append(l.B, '"'), t), '"')
	} else {
		l.B = c.AppendRFC3339Nano(l.B, t)
	}
}

func (w *lineWriter) Any(l *lines.Line, v any) {
	if w.json {
		l.B = appendJSONValue(l.B, v)
	} else {
		l.B = appendLogfmtValue(l.B, v)
	}
}

func (w *lineWriter) Raw(l *lines.Line, pairs []byte) {
	l.B = append(l.B, pairs...)
	l.More = l.More || len(pairs) > 0
}

func (w *lineWriter) Attr(l *lines.Line, prefix string, a slog.Attr) {
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

func (w *lineWriter) Value(l *lines.Line, v slog.Value) {
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

func (w *lineWriter) Pair(l *lines.Line, key []byte, v slog.Value) {
	l.B = append(l.B, key...)
	l.More = true
	w.Value(l, v)
}
