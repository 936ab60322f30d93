package http

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime/debug"
	"sync"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/log"
	"github.com/endpointkit/kit/transport"
)

// DefaultMaxBodyBytes is the request body limit of a Server unless
// ServerMaxBodyBytes says otherwise: 4 MiB.
const DefaultMaxBodyBytes = 4 << 20

// DecodeRequestFunc extracts a request object from an HTTP request. Errors
// without a StatusCode become 400 Bad Request.
type DecodeRequestFunc func(context.Context, *http.Request) (request any, err error)

// EncodeResponseFunc writes a response object to the HTTP response.
type EncodeResponseFunc func(context.Context, http.ResponseWriter, any) error

// RequestFunc may take information from an HTTP request and put it into the
// context; on the client it may also set headers on the outgoing request.
type RequestFunc func(context.Context, *http.Request) context.Context

// ServerResponseFunc may take information from the context and use it to
// manipulate the response writer (typically its headers) before the response
// is encoded.
type ServerResponseFunc func(context.Context, http.ResponseWriter) context.Context

// ServerFinalizerFunc is called after each request has been answered, with
// the status written and a context from which [ResponseSize] and
// [ResponseHeader] read what was sent. It suits access logs and metrics.
type ServerFinalizerFunc func(ctx context.Context, code int, r *http.Request)

// Server wraps an Endpoint as an http.Handler. It is safe for concurrent
// use; its zero value is not usable, build one with NewServer.
type Server struct {
	e            endpoint.Endpoint
	dec          DecodeRequestFunc
	enc          EncodeResponseFunc
	before       []RequestFunc
	after        []ServerResponseFunc
	errorEncoder ErrorEncoder
	errorHandler ErrorHandler
	finalizer    []ServerFinalizerFunc
	maxBody      int64
	timeout      TimeoutPolicy
	pool         sync.Pool // of *requestState
}

// ServerOption sets an optional parameter of a Server.
type ServerOption func(*Server)

// NewServer returns a Server that decodes each request with dec, calls e, and
// encodes the response with enc.
func NewServer(e endpoint.Endpoint, dec DecodeRequestFunc, enc EncodeResponseFunc, options ...ServerOption) *Server {
	s := &Server{
		e:            e,
		dec:          dec,
		enc:          enc,
		errorEncoder: DefaultErrorEncoder,
		errorHandler: ErrorHandlerFunc(func(context.Context, error) {}),
		maxBody:      DefaultMaxBodyBytes,
	}
	for _, o := range options {
		o(s)
	}
	return s
}

// ServerBefore adds functions run on the request before it is decoded, in
// order; each may return an enriched context (see [PopulateRequestContext]).
func ServerBefore(before ...RequestFunc) ServerOption {
	return func(s *Server) { s.before = append(s.before, before...) }
}

// ServerAfter adds functions run after the endpoint succeeded and before the
// response is encoded, in order.
func ServerAfter(after ...ServerResponseFunc) ServerOption {
	return func(s *Server) { s.after = append(s.after, after...) }
}

// ServerErrorEncoder sets how errors are written to the client. By default,
// DefaultErrorEncoder is used.
func ServerErrorEncoder(ee ErrorEncoder) ServerOption {
	return func(s *Server) { s.errorEncoder = ee }
}

// ServerErrorHandler sets what observes every error (including recovered
// panics as *PanicError), after it was encoded; the context holds a
// *transport.Call describing the request. By default errors are not
// observed; pass [LogErrorHandler] (or transport.NewLogErrorHandler) to log
// them.
func ServerErrorHandler(h ErrorHandler) ServerOption {
	return func(s *Server) { s.errorHandler = h }
}

// ServerFinalizer adds functions run at the end of every request, after the
// response has been written, whatever happened.
func ServerFinalizer(f ...ServerFinalizerFunc) ServerOption {
	return func(s *Server) { s.finalizer = append(s.finalizer, f...) }
}

// ServerMaxBodyBytes limits the size of request bodies; a larger body fails
// to decode with ErrBodyTooLarge (413). Zero or less means no limit. The
// default is DefaultMaxBodyBytes.
func ServerMaxBodyBytes(n int64) ServerOption {
	return func(s *Server) { s.maxBody = n }
}

// ServerTimeoutPolicy sets what the Server does with a caller's budget in
// TimeoutHeader: take it as it is ([HonorTimeout], for trusted callers
// only), up to a maximum ([CapTimeout]), or not at all ([IgnoreTimeout]).
// By default, the zero TimeoutPolicy caps it at [DefaultTimeoutCap].
func ServerTimeoutPolicy(p TimeoutPolicy) ServerOption {
	return func(s *Server) { s.timeout = p }
}

// ServerIgnoreTimeoutHeader makes the Server ignore TimeoutHeader.
//
// Deprecated: use ServerTimeoutPolicy(IgnoreTimeout()).
func ServerIgnoreTimeoutHeader() ServerOption {
	return ServerTimeoutPolicy(IgnoreTimeout())
}

// LogErrorHandler returns transport.NewLogErrorHandler(logger): each error
// is logged with the route, status and peer of its request, at warn for a
// caller's error and at error otherwise, with the stack of a recovered
// panic (see package transport).
func LogErrorHandler(logger log.Logger) ErrorHandler {
	return transport.NewLogErrorHandler(logger)
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	// The per-request state comes from a pool: net/http forbids using the
	// ResponseWriter or the request body after ServeHTTP returns, so
	// nothing can hold them past the deferred Put.
	st, _ := s.pool.Get().(*requestState)
	if st == nil {
		st = new(requestState)
	}
	rw := &st.rw
	rw.ResponseWriter = w
	defer func() {
		*st = requestState{}
		s.pool.Put(st)
	}()
	if len(s.finalizer) > 0 {
		defer func() { finalize(ctx, rw, r, s.finalizer) }()
	}
	// Registered after the finalizer so that it runs first: the finalizer
	// sees the 500 written for a panic.
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.fail(ctx, rw, r, &PanicError{Value: v, Stack: debug.Stack()})
			if rw.code != 0 && !rw.failed {
				// The response had started: returning would end it
				// cleanly (a chunked body gets its terminator), and the
				// client would take a truncated body for a whole one.
				// Abort the connection instead, as net/http does; the
				// panic was reported above, and net/http does not log
				// this one.
				panic(http.ErrAbortHandler)
			}
		}
	}()

	{
		var cancel context.CancelFunc
		var err error
		ctx, cancel, err = s.timeout.Context(ctx, r.Header)
		if err != nil {
			s.fail(ctx, rw, r, err)
			return
		}
		if cancel != nil {
			defer cancel()
		}
	}
	if s.maxBody > 0 && r.Body != nil {
		st.body = limitedBody{r: r.Body, n: s.maxBody, limit: s.maxBody}
		r.Body = &st.body
	}
	for _, f := range s.before {
		ctx = f(ctx, r)
	}

	request, err := s.dec(ctx, r)
	if err != nil {
		s.fail(ctx, rw, r, decodeError(err))
		return
	}
	// A budget spent while the request was read or queued: the caller has
	// given up, so the endpoint does not run.
	if ctx.Err() != nil {
		s.fail(ctx, rw, r, &StatusError{Code: http.StatusGatewayTimeout, Err: ErrDeadlineExceeded})
		return
	}

	response, err := s.e(ctx, request)
	if err != nil {
		s.fail(ctx, rw, r, err)
		return
	}
	for _, f := range s.after {
		ctx = f(ctx, rw)
	}
	if err := s.enc(ctx, rw, response); err != nil {
		s.fail(ctx, rw, r, err)
	}
}

// fail encodes err when nothing has been written yet, then reports it to
// the ErrorHandler with a *transport.Call naming the status sent.
func (s *Server) fail(ctx context.Context, rw *responseWriter, r *http.Request, err error) {
	if rw.code == 0 {
		s.errorEncoder(ctx, err, rw)
		rw.failed = true
	}
	s.errorHandler.Handle(transport.WithCall(ctx, NewCall("http", r, rw.status())), err)
}

// NewCall returns the transport.Call describing r answered with status, as
// this package's Server reports it: the route is r.Pattern (the
// http.ServeMux pattern that matched) when there is one, else the method
// and path; the peer is r.RemoteAddr. For servers other than Server (the
// jsonrpc package uses it).
func NewCall(transportName string, r *http.Request, status int) *transport.Call {
	route := r.Pattern
	if route == "" {
		route = r.Method + " " + r.URL.Path
	}
	return &transport.Call{Transport: transportName, Route: route, Peer: r.RemoteAddr, Status: status}
}

// decodeError gives a decode error its status: 413 for an oversized body,
// its own StatusCode if it has one, 400 otherwise.
func decodeError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &StatusError{Code: http.StatusRequestEntityTooLarge, Err: &bodyTooLargeError{err: err, limit: mbe.Limit}}
	}
	var sc StatusCoder
	if errors.As(err, &sc) {
		return err
	}
	return &StatusError{Code: http.StatusBadRequest, Err: err}
}

// bodyTooLargeError is ErrBodyTooLarge with the limit, wrapping the
// decoder's error (an *http.MaxBytesError in its chain). Its message says
// it once: errors.Join repeated it on two lines.
type bodyTooLargeError struct {
	err   error
	limit int64
}

func (e *bodyTooLargeError) Error() string {
	return fmt.Sprintf("%v: the limit is %d bytes", ErrBodyTooLarge, e.limit)
}

func (e *bodyTooLargeError) Unwrap() []error { return []error{ErrBodyTooLarge, e.err} }

// responseWriter records the status and size of what was written, for
// finalizers and so that an error after the first write is not encoded into
// a response already on its way.
type responseWriter struct {
	http.ResponseWriter
	code    int
	written int64
	failed  bool // what was written is an encoded error
}

func (w *responseWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *responseWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.written += int64(n)
	return n, err
}

// Flush implements http.Flusher when the underlying writer does.
func (w *responseWriter) Flush() {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *responseWriter) status() int {
	if w.code == 0 {
		return http.StatusOK
	}
	return w.code
}

type responseInfoKey struct{}

// ResponseSize returns the number of body bytes written, in the context given
// to a ServerFinalizerFunc while the finalizer runs; -1 elsewhere. (The
// state it reads is reused by later requests: do not keep that context.)
func ResponseSize(ctx context.Context) int64 {
	if rw, ok := ctx.Value(responseInfoKey{}).(*responseWriter); ok {
		return rw.written
	}
	return -1
}

// ResponseHeader returns the header sent, in the context given to a
// ServerFinalizerFunc while the finalizer runs; nil elsewhere.
func ResponseHeader(ctx context.Context) http.Header {
	if rw, ok := ctx.Value(responseInfoKey{}).(*responseWriter); ok {
		return rw.Header()
	}
	return nil
}

// requestState is what a Server needs per request, allocated together and
// pooled.
type requestState struct {
	rw   responseWriter
	body limitedBody
}

// limitedBody reads at most limit bytes of a request body; past it, reads
// fail with an *http.MaxBytesError. It is http.MaxBytesReader without the
// allocation (it lives in the pooled requestState).
type limitedBody struct {
	r     io.ReadCloser
	n     int64 // bytes left
	limit int64
	err   error // sticky
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if len(p) == 0 {
		return 0, nil
	}
	// Ask for one byte more than is left, to tell a body of exactly the
	// limit (fine) from a longer one.
	if int64(len(p)) > b.n+1 {
		p = p[:b.n+1]
	}
	n, err := b.r.Read(p)
	if int64(n) <= b.n {
		b.n -= int64(n)
		b.err = err
		return n, err
	}
	n, b.n = int(b.n), 0
	b.err = &http.MaxBytesError{Limit: b.limit}
	return n, b.err
}

func (b *limitedBody) Close() error { return b.r.Close() }
