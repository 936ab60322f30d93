package slogbridge

// This file is the keyvals path: records turned into the []any of one Log
// call, for Loggers the Handler cannot write into directly.

import "log/slog"

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
