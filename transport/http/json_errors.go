package http

import (
	"net/http"
	"strings"
)

// JSONErrors wraps h, typically the http.ServeMux that routes to Servers,
// so that the plain-text error responses net/http writes itself (a
// ServeMux's 404 Not Found and 405 Method Not Allowed, anything written
// with http.Error) are JSON like a Server's: {"error": "not found"}, with
// the status and other headers (Allow) kept. Responses that are not errors,
// or are not http.Error's plain text, pass through untouched.
//
//	handler := kithttp.JSONErrors(mux)
func JSONErrors(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(&jsonErrorWriter{ResponseWriter: w}, r)
	})
}

// jsonErrorWriter recognises http.Error's response (a status of 400 or
// more, text/plain with nosniff) at WriteHeader, and then writes a JSON
// body of its own in place of the text.
type jsonErrorWriter struct {
	http.ResponseWriter
	wroteHeader bool
	swallow     bool // the plain-text body is replaced
}

func (w *jsonErrorWriter) WriteHeader(code int) {
	if w.wroteHeader {
		w.ResponseWriter.WriteHeader(code)
		return
	}
	w.wroteHeader = true
	h := w.Header()
	if code >= 400 && strings.HasPrefix(h.Get("Content-Type"), "text/plain") && h.Get("X-Content-Type-Options") == "nosniff" {
		w.swallow = true
		h.Set("Content-Type", "application/json; charset=utf-8")
		h.Del("Content-Length")
		w.ResponseWriter.WriteHeader(code)
		_, _ = w.ResponseWriter.Write([]byte(`{"error":"` + strings.ToLower(http.StatusText(code)) + `"}` + "\n"))
		return
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *jsonErrorWriter) Write(b []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if w.swallow {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *jsonErrorWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush implements http.Flusher when the underlying writer does.
func (w *jsonErrorWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
