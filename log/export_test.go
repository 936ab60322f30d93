package log

import "time"

// Exported for the tests of the external test package.
var (
	JSONPlain         = jsonPlain
	LogfmtBare        = logfmtBare
	LogfmtQuoted      = logfmtQuoted
	AppendRFC3339Nano = appendRFC3339Nano
)

// Exported for the tests of the fast paths against their definitions.
var (
	JSONClean      = jsonClean
	BareClean      = bareClean
	QuotedClean    = quotedClean
	AppendFloat64  = appendFloat64
	AppendInt      = appendInt
	AppendUint     = appendUint
	AppendDuration = appendDuration
)

// StampCache is a stampCache, for tests.
type StampCache = stampCache

// AppendCached appends t as RFC 3339 with nanoseconds through c.
func AppendCached(c *StampCache, dst []byte, t time.Time) []byte { return c.appendRFC3339Nano(dst, t) }
