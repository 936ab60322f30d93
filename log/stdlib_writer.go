package log

import (
	stdlog "log"
	"strings"
)

// StdlibWriter is an io.Writer that writes each line through the standard
// library's log.Print, for sending a kit Logger's output to the standard
// logger (NewLogfmtLogger(StdlibWriter{})). It is Go kit's; the other way
// round, NewStdlibAdapter, is usually what a program wants.
type StdlibWriter struct{}

// Write implements io.Writer: it logs p, trailing and leading space
// removed, with log.Print.
func (StdlibWriter) Write(p []byte) (int, error) {
	stdlog.Print(strings.TrimSpace(string(p)))
	return len(p), nil
}
