package jsonrpc

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"runtime/debug"
	"strings"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/transport"
	kithttp "github.com/endpointkit/kit/transport/http"
	"github.com/endpointkit/kit/transport/http/internal/jsonerr"
)

// DecodeRequestFunc turns the params of a call into a request object. Its
// errors become InvalidParams unless they are an *Error or an ErrorCoder.
type DecodeRequestFunc func(ctx context.Context, params json.RawMessage) (request any, err error)

// EncodeResponseFunc turns a response object into the result of a call.
type EncodeResponseFunc func(ctx context.Context, response any) (result json.RawMessage, err error)

// EndpointCodec is one method: its endpoint and how to decode its params and
// encode its result.
type EndpointCodec struct {
	Endpoint endpoint.Endpoint
	Decode   DecodeRequestFunc
	Encode   EncodeResponseFunc
}

// EndpointCodecMap maps method names to their EndpointCodec.
type EndpointCodecMap map[string]EndpointCodec

// DecodeParams is a DecodeRequestFunc that unmarshals the params into a T
// and returns it as a T. Missing params decode as the zero T.
func DecodeParams[T any](_ context.Context, params json.RawMessage) (any, error) {
	var v T
	if len(params) == 0 {
		return v, nil
	}
	if err := json.Unmarshal(params, &v); err != nil {
		return nil, jsonerr.Rewrite("params", err)
	}
	return v, nil
}

// EncodeResult is an EncodeResponseFunc that marshals the response as JSON.
func EncodeResult(_ context.Context, response any) (json.RawMessage, error) {
	return json.Marshal(response)
}

// Server is an http.Handler serving JSON-RPC 2.0. It is safe for concurrent
// use; its zero value is not usable, build one with NewServer.
type Server struct {
	ecm          EndpointCodecMap
	before       []kithttp.RequestFunc
	after        []kithttp.ServerResponseFunc
	errorHandler kithttp.ErrorHandler
	finalizer    []kithttp.ServerFinalizerFunc
	maxBody      int64
	maxBatch     int
	timeout      kithttp.TimeoutPolicy
	verbose      bool
}

// ServerOption sets an optional parameter of a Server.
type ServerOption func(*Server)

// NewServer returns a Server for the methods in ecm. ecm must not be
// modified afterwards.
func NewServer(ecm EndpointCodecMap, options ...ServerOption) *Server {
	s := &Server{
		ecm:          ecm,
		errorHandler: kithttp.ErrorHandlerFunc(func(context.Context, error) {}),
		maxBody:      kithttp.DefaultMaxBodyBytes,
		maxBatch:     100,
	}
	for _, o := range options {
		o(s)
	}
	return s
}

// ServerBefore adds functions run on the HTTP request before it is read.
func ServerBefore(before ...kithttp.RequestFunc) ServerOption {
	return func(s *Server) { s.before = append(s.before, before...) }
}

// ServerAfter adds functions run before the response is written.
func ServerAfter(after ...kithttp.ServerResponseFunc) ServerOption {
	return func(s *Server) { s.after = append(s.after, after...) }
}

// ServerErrorHandler sets what observes every error, including those of
// notifications (which are not answered) and recovered panics.
func ServerErrorHandler(h kithttp.ErrorHandler) ServerOption {
	return func(s *Server) { s.errorHandler = h }
}

// ServerFinalizer adds functions run after each HTTP request was answered.
func ServerFinalizer(f ...kithttp.ServerFinalizerFunc) ServerOption {
	return func(s *Server) { s.finalizer = append(s.finalizer, f...) }
}

// ServerMaxBodyBytes limits the size of request bodies (413 beyond it).
// Zero or less means no limit. The default is kithttp.DefaultMaxBodyBytes.
func ServerMaxBodyBytes(n int64) ServerOption {
	return func(s *Server) { s.maxBody = n }
}

// ServerTimeoutPolicy sets what the Server does with a caller's budget in
// kithttp.TimeoutHeader, as the option of the same name in transport/http:
// kithttp.HonorTimeout for trusted callers only, kithttp.CapTimeout, or
// kithttp.IgnoreTimeout to opt out. By default, the zero TimeoutPolicy caps
// it at kithttp.DefaultTimeoutCap.
func ServerTimeoutPolicy(p kithttp.TimeoutPolicy) ServerOption {
	return func(s *Server) { s.timeout = p }
}

// ServerMaxBatch limits the number of calls in a batch; a larger batch is
// an InvalidRequest. The default is 100.
func ServerMaxBatch(n int) ServerOption {
	return func(s *Server) { s.maxBatch = n }
}

// ServerVerboseErrors makes the Server send the message of every endpoint
// error. By default an error that chooses no code (neither an *Error nor an
// ErrorCoder) is sent as InternalError with the message "internal error",
// and its text reaches only the ErrorHandler: it may name a database, a
// downstream service or a Go type. Use this where clients may see internals
// (development, a trusted network).
func ServerVerboseErrors() ServerOption {
	return func(s *Server) { s.verbose = true }
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	code := http.StatusOK
	ctx := context.WithValue(r.Context(), requestKey{}, r)
	w, finalize := kithttp.WithFinalizers(w, r, s.finalizer...)
	defer func() { finalize(ctx) }() // ctx as ServerBefore left it
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		code = http.StatusMethodNotAllowed
		s.writeError(ctx, w, code, &Error{Code: InvalidRequest, Message: "method " + r.Method + " not allowed, use POST"})
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			code = http.StatusUnsupportedMediaType
			s.writeError(ctx, w, code, &Error{Code: InvalidRequest, Message: "unsupported content type " + ct})
			return
		}
	}
	tctx, cancel, err := s.timeout.Context(ctx, r.Header)
	if err != nil {
		code = kithttp.StatusOf(err)
		e := &Error{Code: InvalidRequest, Message: err.Error()}
		if errors.Is(err, kithttp.ErrDeadlineExceeded) {
			e.Code = DeadlineExceeded
		}
		s.writeError(ctx, w, code, e)
		return
	}
	if cancel != nil {
		defer cancel()
		ctx = tctx
	}
	for _, f := range s.before {
		ctx = f(ctx, r)
	}
	body := r.Body
	if s.maxBody > 0 {
		body = http.MaxBytesReader(w, body, s.maxBody)
	}
	// The first byte tells a batch from a single request. A batch is
	// scanned from the body as it arrives, member by member, so that one
	// over the limit is refused after reading only as far as its limit: a
	// 4 MiB body of [1,1,...] costs a few KiB, not its size. A single
	// request is read whole.
	br := bufio.NewReader(body)
	var out []byte
	first, err := firstByte(br)
	switch {
	case err != nil && err != io.EOF:
		code = readErrorStatus(err)
		s.writeError(ctx, w, code, &Error{Code: InvalidRequest, Message: "read body: " + err.Error()})
		return
	case first == '[':
		raws, e, rerr := splitBatch(br, s.maxBatch)
		if rerr != nil {
			code = readErrorStatus(rerr)
			s.writeError(ctx, w, code, &Error{Code: InvalidRequest, Message: "read body: " + rerr.Error()})
			return
		}
		out, code = s.serveBatch(ctx, raws, e)
	default:
		b, err := io.ReadAll(br)
		if err != nil {
			code = readErrorStatus(err)
			s.writeError(ctx, w, code, &Error{Code: InvalidRequest, Message: "read body: " + err.Error()})
			return
		}
		var resp *Response
		resp, code = s.serveOne(ctx, bytes.TrimSpace(b))
		if resp != nil {
			out, _ = json.Marshal(resp)
		}
	}
	for _, f := range s.after {
		ctx = f(ctx, w)
	}
	if out == nil {
		code = http.StatusNoContent
		w.WriteHeader(code)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_, _ = w.Write(append(out, '\n'))
}

// firstByte returns the first byte of br that is not JSON whitespace,
// leaving it unread.
func firstByte(br *bufio.Reader) (byte, error) {
	for {
		c, err := br.ReadByte()
		if err != nil {
			return 0, err
		}
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return c, br.UnreadByte()
	}
}

// readErrorStatus is the status of a failure to read the body: 413 past
// the limit, 400 otherwise.
func readErrorStatus(err error) int {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusBadRequest
}

// serveBatch answers a batch: an array of responses, or nil when it held
// only notifications.
func (s *Server) serveBatch(ctx context.Context, raws []json.RawMessage, e *Error) ([]byte, int) {
	if e != nil {
		out, _ := json.Marshal(s.errorResponse(ctx, null, e))
		return out, http.StatusBadRequest
	}
	resps := make([]*Response, 0, len(raws))
	for _, raw := range raws {
		if resp, _ := s.serveOne(ctx, raw); resp != nil {
			resps = append(resps, resp)
		}
	}
	if len(resps) == 0 {
		return nil, http.StatusNoContent
	}
	out, _ := json.Marshal(resps)
	return out, http.StatusOK
}

// splitBatch reads the JSON array at the start of r and returns its
// members, which must be 1 to max. It counts members as it scans and stops
// at max+1, so that a huge batch costs no more than reading as far as the
// limit: unmarshaling the body whole into a []json.RawMessage first cost
// some 60 bytes and one allocation per member (264 MiB and two million
// allocations for 4 MiB of [1,1,...]). e is the JSON-RPC error of a batch
// that is not valid JSON or has the wrong size; readErr an error reading
// r (a body over the limit, a connection that failed).
func splitBatch(r io.Reader, max int) (raws []json.RawMessage, e *Error, readErr error) {
	dec := json.NewDecoder(r)
	// fail sorts an error of dec: JSON's own, or the reader's.
	fail := func(err error) ([]json.RawMessage, *Error, error) {
		var se *json.SyntaxError
		if errors.As(err, &se) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return nil, errParse(), nil
		}
		return nil, nil, err
	}
	if _, err := dec.Token(); err != nil { // '[': the caller checked
		return fail(err)
	}
	for dec.More() {
		if len(raws) == max {
			return nil, &Error{Code: InvalidRequest, Message: fmt.Sprintf("batch too large: more than %d calls", max)}, nil
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return fail(err)
		}
		raws = append(raws, raw)
	}
	if _, err := dec.Token(); err != nil { // ']'
		return fail(err)
	}
	if _, err := dec.Token(); err != io.EOF { // nothing after the array
		if err == nil {
			return nil, errParse(), nil
		}
		return fail(err)
	}
	if len(raws) == 0 {
		return nil, &Error{Code: InvalidRequest, Message: "empty batch"}, nil
	}
	return raws, nil, nil
}

// errParse is the error of a body that is not valid JSON.
func errParse() *Error { return &Error{Code: ParseError, Message: "parse error: not valid JSON"} }

// serveOne answers one request object: its response (nil for a
// notification) and the HTTP status it would have on its own.
func (s *Server) serveOne(ctx context.Context, raw []byte) (*Response, int) {
	var req Request
	if err := json.Unmarshal(raw, &req); err != nil {
		var se *json.SyntaxError
		code := InvalidRequest // valid JSON, but not an object of the right shape
		if errors.As(err, &se) || !json.Valid(raw) {
			code = ParseError
		}
		return s.errorResponse(ctx, null, &Error{Code: code, Message: jsonerr.Rewrite("request", err).Error()}), http.StatusBadRequest
	}
	id := req.ID
	if id != nil && !validID(id) {
		return s.errorResponse(ctx, null, &Error{Code: InvalidRequest, Message: "id must be a string, a number or null"}), http.StatusBadRequest
	}
	if id == nil && bytes.Contains(raw, []byte(`"id"`)) {
		// json leaves a RawMessage nil for "id": null; it is a request
		// with a null id, not a notification.
		var probe map[string]json.RawMessage
		if json.Unmarshal(raw, &probe) == nil {
			if _, ok := probe["id"]; ok {
				id = null
			}
		}
	}
	if req.JSONRPC != Version || req.Method == "" {
		return s.errorResponse(ctx, orNull(id), &Error{Code: InvalidRequest, Message: `want "jsonrpc":"2.0" and a method`}), http.StatusBadRequest
	}
	if p := bytes.TrimSpace(req.Params); len(p) > 0 && p[0] != '{' && p[0] != '[' {
		return s.errorResponse(ctx, orNull(id), &Error{Code: InvalidRequest, Message: "params must be an object or an array"}), http.StatusBadRequest
	}

	result, err := s.call(ctx, req)
	if id == nil { // a notification: nothing is answered, errors are observed
		if err != nil {
			s.report(ctx, req.Method, http.StatusNoContent, err)
		}
		return nil, http.StatusNoContent
	}
	if err != nil {
		e := s.toError(err)
		status := httpStatus(err, e.Code)
		s.report(ctx, req.Method, status, err)
		return &Response{JSONRPC: Version, Error: e, ID: id}, status
	}
	return &Response{JSONRPC: Version, Result: result, ID: id}, http.StatusOK
}

// call runs one method, recovering a panic into a *kithttp.PanicError.
func (s *Server) call(ctx context.Context, req Request) (result json.RawMessage, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &kithttp.PanicError{Value: v, Stack: debug.Stack()}
		}
	}()
	ec, ok := s.ecm[req.Method]
	if !ok {
		return nil, &kithttp.StatusError{Code: http.StatusNotFound, Err: &Error{Code: MethodNotFound, Message: "method not found: " + req.Method}}
	}
	request, err := ec.Decode(ctx, req.Params)
	if err != nil {
		var ec ErrorCoder
		if errors.As(err, &ec) {
			return nil, err
		}
		return nil, &paramsError{err}
	}
	response, err := ec.Endpoint(ctx, request)
	if err != nil {
		return nil, err
	}
	return ec.Encode(ctx, response)
}

// paramsError marks a decode error: InvalidParams.
type paramsError struct{ err error }

func (e *paramsError) Error() string   { return "jsonrpc: invalid params: " + e.err.Error() }
func (e *paramsError) Unwrap() error   { return e.err }
func (e *paramsError) ErrorCode() int  { return InvalidParams }
func (e *paramsError) StatusCode() int { return http.StatusBadRequest }

// toError turns any error into the error object sent.
func (s *Server) toError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var pe *kithttp.PanicError
	if errors.As(err, &pe) {
		return &Error{Code: InternalError, Message: "internal error"}
	}
	var ec ErrorCoder
	if errors.As(err, &ec) {
		return &Error{Code: ec.ErrorCode(), Message: err.Error()}
	}
	var c endpoint.Classified
	if errors.As(err, &c) && c.Outcome().Kind == endpoint.CallerError {
		// The caller's error (answered 400): a client classifies
		// InvalidParams as the caller's too.
		return &Error{Code: InvalidParams, Message: err.Error()}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return &Error{Code: DeadlineExceeded, Message: "deadline exceeded"}
	}
	if s.verbose {
		return &Error{Code: InternalError, Message: err.Error()}
	}
	return &Error{Code: InternalError, Message: "internal error"}
}

// httpStatus is the status of a single failed call (see the package doc).
func httpStatus(err error, code int) int {
	var sc kithttp.StatusCoder
	if errors.As(err, &sc) {
		return sc.StatusCode()
	}
	switch code {
	case ParseError, InvalidRequest, InvalidParams:
		return http.StatusBadRequest
	case MethodNotFound:
		return http.StatusNotFound
	case DeadlineExceeded:
		return http.StatusGatewayTimeout
	}
	var c endpoint.Classified
	if errors.As(err, &c) {
		switch c.Outcome().Kind {
		case endpoint.Overloaded:
			return http.StatusTooManyRequests
		case endpoint.CallerError:
			return http.StatusBadRequest
		}
	}
	return http.StatusInternalServerError
}

// errorResponse reports e, a request that could not be served, and returns
// the response carrying it. What the server reports for the requests it
// refuses itself carries their HTTP status (a *kithttp.StatusError wrapping
// the *Error), as kithttp's Server does, so that the ErrorHandler can tell
// them from the service's failures.
func (s *Server) errorResponse(ctx context.Context, id json.RawMessage, e *Error) *Response {
	status := httpStatus(e, e.Code)
	s.report(ctx, "", status, &kithttp.StatusError{Code: status, Err: e})
	return &Response{JSONRPC: Version, Error: e, ID: id}
}

func (s *Server) writeError(ctx context.Context, w http.ResponseWriter, code int, e *Error) {
	s.report(ctx, "", code, &kithttp.StatusError{Code: code, Err: e})
	out, _ := json.Marshal(&Response{JSONRPC: Version, Error: e, ID: null})
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_, _ = w.Write(append(out, '\n'))
}

// requestKey is the context key of the *http.Request being served, from
// which report names the peer and, for requests whose method is unknown,
// the path.
type requestKey struct{}

// report passes err to the ErrorHandler with a *transport.Call naming the
// JSON-RPC method (the request's method and path when method is empty), the
// peer and the HTTP status that the call alone would have.
func (s *Server) report(ctx context.Context, method string, status int, err error) {
	c := &transport.Call{Transport: "jsonrpc", Route: method, Status: status}
	if r, ok := ctx.Value(requestKey{}).(*http.Request); ok {
		c = kithttp.NewCall("jsonrpc", r, status)
		if method != "" {
			c.Route = method
		}
	}
	s.errorHandler.Handle(transport.WithCall(ctx, c), err)
}

func orNull(id json.RawMessage) json.RawMessage {
	if id == nil {
		return null
	}
	return id
}
