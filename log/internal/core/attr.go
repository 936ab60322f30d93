package core

import "log/slog"

// AppendAttr appends a to kv as a key and a value, inside the groups whose
// names prefix ends with (each followed by a dot), by the rules of
// Writer.Attr: LogValuers resolved, empty attributes and groups dropped,
// the attributes of groups written with the group's name and a dot before
// their keys, those of groups with an empty key inlined. It is what a
// Logger without a Writer receives for a typed pair.
func AppendAttr(kv []any, prefix string, a slog.Attr) []any {
	if a.Value.Kind() == slog.KindLogValuer {
		a.Value = a.Value.Resolve() // which recovers panics: a deferred call
	}
	if a.Key == "" && a.Equal(slog.Attr{}) {
		return kv
	}
	if a.Value.Kind() == slog.KindGroup {
		attrs := a.Value.Group()
		if len(attrs) == 0 {
			return kv
		}
		if a.Key != "" {
			prefix += a.Key + "."
		}
		for _, ga := range attrs {
			kv = AppendAttr(kv, prefix, ga)
		}
		return kv
	}
	return append(kv, prefix+a.Key, Value(a.Value))
}

// Value returns v as the Go value kit's encoders know best: the string,
// int64, uint64, float64, bool, time.Duration or time.Time it holds, or
// v.Any() for other kinds.
func Value(v slog.Value) any {
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
