package log

import (
	"time"

	"github.com/endpointkit/kit/log/internal/format"
)

// Exported for the tests of the external test package.
var (
	JSONPlain         = format.JSONPlain
	LogfmtBare        = format.LogfmtBare
	LogfmtQuoted      = format.LogfmtQuoted
	AppendRFC3339Nano = format.AppendRFC3339Nano
)

// Exported for the tests of the fast paths against their definitions.
var (
	JSONClean      = format.JSONClean
	BareClean      = format.BareClean
	QuotedClean    = format.QuotedClean
	AppendFloat64  = format.AppendFloat64
	AppendInt      = format.AppendInt
	AppendUint     = format.AppendUint
	AppendDuration = format.AppendDuration
)

// StampCache is a format.StampCache, for tests.
type StampCache = format.StampCache

// AppendCached appends t as RFC 3339 with nanoseconds through c.
func AppendCached(c *StampCache, dst []byte, t time.Time) []byte { return c.AppendRFC3339Nano(dst, t) }
