package handler

import (
	"bufio"
	"io"
	"net"
	"net/http"
)

// recorder is the http.ResponseWriter the handler receives: it records the
// status and the body bytes written, and delegates everything else to the
// writer beneath.
type recorder struct {
	http.ResponseWriter
	resp  Response // Status 0 until a final status is written
	wrote bool     // anything sent (a final status, a body, a flush, a hijack)
}

// WriteHeader records the first final status. Informational statuses (103
// Early Hints) pass through without being recorded.
func (w *recorder) WriteHeader(code int) {
	w.ResponseWriter.WriteHeader(code)
	if w.resp.Status == 0 && (code >= 200 || code == http.StatusSwitchingProtocols) {
		w.resp.Status, w.wrote = code, true
	}
}

func (w *recorder) implicitOK() {
	if w.resp.Status == 0 {
		w.resp.Status, w.wrote = http.StatusOK, true
	}
}

// Write writes b as net/http does (with a 200 status first when none was
// written) and counts the bytes written.
func (w *recorder) Write(b []byte) (int, error) {
	w.implicitOK()
	n, err := w.ResponseWriter.Write(b)
	w.resp.Bytes += int64(n)
	return n, err
}

// WriteString is Write for a string, without the conversion's copy when
// the writer beneath has WriteString (as net/http's has).
func (w *recorder) WriteString(s string) (int, error) {
	w.implicitOK()
	n, err := io.WriteString(w.ResponseWriter, s)
	w.resp.Bytes += int64(n)
	return n, err
}

// ReadFrom copies r into the response through the writer beneath's
// ReadFrom when it has one (net/http's uses sendfile for files), counting
// the bytes copied.
func (w *recorder) ReadFrom(r io.Reader) (int64, error) {
	w.implicitOK()
	var n int64
	var err error
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
		n, err = rf.ReadFrom(r)
	} else {
		n, err = io.Copy(writerOnly{w.ResponseWriter}, r)
	}
	w.resp.Bytes += n
	return n, err
}

// writerOnly hides everything of a writer but Write, so that io.Copy does
// not come back to ReadFrom.
type writerOnly struct{ io.Writer }

// Unwrap returns the writer beneath, for http.ResponseController.
func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// FlushError flushes the writer beneath through http.ResponseController,
// which returns http.ErrNotSupported when it cannot flush.
func (w *recorder) FlushError() error {
	err := http.NewResponseController(w.ResponseWriter).Flush()
	if err == nil {
		w.implicitOK()
	}
	return err
}

// Flush implements http.Flusher; it does nothing when the writer beneath
// cannot flush (use http.ResponseController to be told).
func (w *recorder) Flush() { _ = w.FlushError() }

// Hijack implements http.Hijacker through http.ResponseController: it
// returns http.ErrNotSupported when the writer beneath cannot be hijacked
// (an HTTP/2 stream). A hijacked connection records status 101 when no
// status was written before.
func (w *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err == nil {
		w.wrote = true
		if w.resp.Status == 0 {
			w.resp.Status = http.StatusSwitchingProtocols
		}
	}
	return c, rw, err
}
