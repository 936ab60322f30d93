package http

import (
	"context"
	"net/http"
)

// WithFinalizers is the finalizer plumbing of Server, for other servers that
// take ServerFinalizerFunc (the jsonrpc package uses it). It returns w
// wrapped to record the status and the body size written, and a function to
// call (deferred) once the request has been answered, with the request's
// final context: it calls each of fs with what Server gives its
// finalizers, the status sent (200 when nothing was written) and that
// context, in which [ResponseSize] and [ResponseHeader] report the
// response. When fs is empty, w is returned as it is and done does nothing.
func WithFinalizers(w http.ResponseWriter, r *http.Request, fs ...ServerFinalizerFunc) (_ http.ResponseWriter, done func(ctx context.Context)) {
	if len(fs) == 0 {
		return w, func(context.Context) {}
	}
	rw := &responseWriter{ResponseWriter: w}
	return rw, func(ctx context.Context) { finalize(ctx, rw, r, fs) }
}

// finalize calls each of fs for the request r answered through rw.
func finalize(ctx context.Context, rw *responseWriter, r *http.Request, fs []ServerFinalizerFunc) {
	fctx := context.WithValue(ctx, responseInfoKey{}, rw)
	for _, f := range fs {
		f(fctx, rw.status(), r)
	}
}
