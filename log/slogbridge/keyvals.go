package slogbridge

// This file is the keyvals path: records turned into the []any of one Log
// call, for Loggers the Handler cannot write into directly.

import (
	"log/slog"

	"github.com/endpointkit/kit/log/internal/core"
)

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
		return append(kv, group+a.Key, core.Value(a.Value))
	}
	return append(kv, c.box(a.Key), core.Value(a.Value))
}
