package log

import (
	"io"
	"sync"
)

// NewSyncWriter returns a writer that serialises calls to w's Write with a
// mutex, for writers that are not safe for concurrent use (bytes.Buffer,
// bufio.Writer, most network connections behind a custom framing). kit's
// encoders write each line with one Write call, so with a synchronised
// writer the lines of concurrent Log calls never interleave.
//
// An *os.File needs no wrapping: the kernel applies each write to a file
// opened for appending, a pipe (up to PIPE_BUF bytes) or a terminal as a unit.
func NewSyncWriter(w io.Writer) io.Writer { return &syncWriter{w: w} }

type syncWriter struct {
	mu sync.Mutex // guards w
	w  io.Writer
}

// Write writes p to the underlying writer while holding the lock.
func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// NewSyncLogger returns a Logger that serialises calls to logger's Log with
// a mutex. Use it to share a Logger that is not safe for concurrent use;
// kit's own Loggers are safe when their writer is, so prefer NewSyncWriter
// for them, which holds the lock only for the Write, not the encoding.
func NewSyncLogger(logger Logger) Logger { return &syncLogger{logger: logger} }

type syncLogger struct {
	mu     sync.Mutex // guards logger
	logger Logger
}

func (s *syncLogger) Log(keyvals ...any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logger.Log(keyvals...)
}
