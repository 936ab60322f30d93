package log

import (
	"io"
	"strings"
)

// StdlibAdapter is an io.Writer for the standard library's log package (set
// it with log.SetOutput or log.New) that turns each line into one Log call on
// a kit Logger. It parses what the standard logger's flags put before the
// message: the date and time (Ldate, Ltime, Lmicroseconds) into the
// timestamp key, the file and line (Lshortfile, Llongfile) into the file key,
// the prefix (given with the [Prefix] option, at the start or, with
// Lmsgprefix, before the message) into the prefix key, and the rest into the
// message key.
//
// A StdlibAdapter is safe for concurrent use when its Logger is.
type StdlibAdapter struct {
	logger       Logger
	timestampKey string
	fileKey      string
	messageKey   string
	prefixKey    string
	prefix       string
	joinPrefix   bool
}

// StdlibAdapterOption sets an optional parameter of a StdlibAdapter.
type StdlibAdapterOption func(*StdlibAdapter)

// TimestampKey sets the key of the date and time. The default is "ts".
func TimestampKey(key string) StdlibAdapterOption {
	return func(a *StdlibAdapter) { a.timestampKey = key }
}

// FileKey sets the key of the file and line. The default is "caller".
func FileKey(key string) StdlibAdapterOption {
	return func(a *StdlibAdapter) { a.fileKey = key }
}

// MessageKey sets the key of the message. The default is "msg".
func MessageKey(key string) StdlibAdapterOption {
	return func(a *StdlibAdapter) { a.messageKey = key }
}

// PrefixKey sets the key of the prefix. The default is "prefix".
func PrefixKey(key string) StdlibAdapterOption {
	return func(a *StdlibAdapter) { a.prefixKey = key }
}

// Prefix tells the adapter the prefix the standard logger was given, so that
// it can be recognised. With joinPrefixToMsg the prefix stays at the start of
// the message; otherwise it is logged, without surrounding spaces, under the
// prefix key. By default no prefix is recognised.
func Prefix(prefix string, joinPrefixToMsg bool) StdlibAdapterOption {
	return func(a *StdlibAdapter) { a.prefix, a.joinPrefix = prefix, joinPrefixToMsg }
}

// NewStdlibAdapter returns a StdlibAdapter that logs to logger.
func NewStdlibAdapter(logger Logger, options ...StdlibAdapterOption) io.Writer {
	a := &StdlibAdapter{
		logger:       logger,
		timestampKey: "ts",
		fileKey:      "caller",
		messageKey:   "msg",
		prefixKey:    "prefix",
	}
	for _, o := range options {
		o(a)
	}
	return a
}

// Write parses one line of the standard logger and logs it. It always
// reports len(p) bytes written; the Logger's error, if any, is returned.
func (a *StdlibAdapter) Write(p []byte) (int, error) {
	rest := strings.TrimSuffix(string(p), "\n")
	var prefix string
	var found bool
	if rest, found = a.cutPrefix(rest); found {
		prefix = a.prefix
	}
	ts, rest := cutTimestamp(rest)
	file, rest := cutFile(rest)
	if prefix == "" {
		if rest, found = a.cutPrefix(rest); found { // Lmsgprefix
			prefix = a.prefix
		}
	}
	keyvals := make([]any, 0, 8)
	if ts != "" {
		keyvals = append(keyvals, a.timestampKey, ts)
	}
	if file != "" {
		keyvals = append(keyvals, a.fileKey, file)
	}
	switch {
	case prefix != "" && a.joinPrefix:
		rest = prefix + rest
	case prefix != "":
		keyvals = append(keyvals, a.prefixKey, strings.TrimSpace(prefix))
	}
	keyvals = append(keyvals, a.messageKey, rest)
	if err := a.logger.Log(keyvals...); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (a *StdlibAdapter) cutPrefix(s string) (string, bool) {
	if a.prefix == "" {
		return s, false
	}
	return strings.CutPrefix(s, a.prefix)
}

// cutTimestamp cuts "2006/01/02 ", "15:04:05 " and "15:04:05.000000 " and
// their combinations from the start of s and returns them joined by a space.
func cutTimestamp(s string) (ts, rest string) {
	if len(s) >= 11 && matches(s[:10], "dddd/dd/dd") && s[10] == ' ' {
		ts, s = s[:10], s[11:]
	}
	n := 0
	switch {
	case len(s) >= 16 && matches(s[:15], "dd:dd:dd.dddddd") && s[15] == ' ':
		n = 15
	case len(s) >= 9 && matches(s[:8], "dd:dd:dd") && s[8] == ' ':
		n = 8
	}
	if n > 0 {
		if ts != "" {
			ts += " "
		}
		ts, s = ts+s[:n], s[n+1:]
	}
	return ts, s
}

// cutFile cuts "path/file.go:123: " from the start of s.
func cutFile(s string) (file, rest string) {
	i := strings.Index(s, ": ")
	if i <= 0 || strings.ContainsAny(s[:i], " \t") {
		return "", s
	}
	j := strings.LastIndexByte(s[:i], ':')
	if j <= 0 || j == i-1 || !matches(s[j+1:i], strings.Repeat("d", i-j-1)) {
		return "", s
	}
	return s[:i], s[i+2:]
}

// matches reports whether s has the shape of pattern, where 'd' stands for
// an ASCII digit and any other byte for itself.
func matches(s, pattern string) bool {
	if len(s) != len(pattern) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if pattern[i] == 'd' {
			if s[i] < '0' || s[i] > '9' {
				return false
			}
		} else if s[i] != pattern[i] {
			return false
		}
	}
	return true
}
