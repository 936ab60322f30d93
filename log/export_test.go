package log

// Exported for the tests of the external test package.
var (
	JSONPlain         = jsonPlain
	LogfmtBare        = logfmtBare
	LogfmtQuoted      = logfmtQuoted
	AppendRFC3339Nano = appendRFC3339Nano
)
