package http

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/transport"
)

// Sentinel errors, wrapped by the errors the Server reports so that
// errors.Is can tell them apart.
var (
	// ErrBodyTooLarge is reported when a request body exceeds the limit set
	// with ServerMaxBodyBytes. Its status is 413.
	ErrBodyTooLarge = errors.New("http: request body too large")
	// ErrUnsupportedMediaType is reported by the JSON request decoders when
	// the request's Content-Type is not JSON. Its status is 415.
	ErrUnsupportedMediaType = errors.New("http: unsupported media type")
	// ErrDeadlineExceeded is reported when the budget in TimeoutHeader is
	// spent before the endpoint runs. Its status is 504.
	ErrDeadlineExceeded = errors.New("http: deadline exceeded before the endpoint ran")
	// ErrBadTimeout is reported when TimeoutHeader is not a whole number of
	// milliseconds. Its status is 400.
	ErrBadTimeout = errors.New("http: malformed " + TimeoutHeader + " header")
)

// StatusCoder is implemented by errors (and responses) that choose their own
// HTTP status code.
type StatusCoder interface {
	StatusCode() int
}

// Headerer is implemented by errors (and responses) that add headers to the
// HTTP response.
type Headerer interface {
	Headers() http.Header
}

// StatusError attaches an HTTP status to an error. The Server wraps decode
// errors in one (400, or 413 and 415 for ErrBodyTooLarge and
// ErrUnsupportedMediaType); endpoints may return one too.
type StatusError struct {
	Code int
	Err  error
}

// Error returns the message of the wrapped error.
func (e *StatusError) Error() string { return e.Err.Error() }

// StatusCode returns Code.
func (e *StatusError) StatusCode() int { return e.Code }

// Unwrap returns Err.
func (e *StatusError) Unwrap() error { return e.Err }

// PanicError is what the Server reports to its ErrorHandler when a decoder,
// endpoint or encoder panics. Its status is 500. Logs see the panic value
// (in Error) and the stack; DefaultErrorEncoder sends the client a generic
// message instead.
type PanicError struct {
	// Value is the value passed to panic.
	Value any
	// Stack is the goroutine's stack at the panic, as runtime/debug.Stack
	// formats it.
	Stack []byte
}

// Error includes the panic value, for logs.
func (e *PanicError) Error() string { return fmt.Sprintf("http: panic: %v", e.Value) }

// StatusCode returns 500.
func (e *PanicError) StatusCode() int { return http.StatusInternalServerError }

// PanicStack returns Stack, for error handlers that log it (see
// transport.LogErrorHandler).
func (e *PanicError) PanicStack() []byte { return e.Stack }

// Unwrap returns the panic value when it is an error.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// ErrorEncoder writes err to w. It is called at most once per request, and
// only before anything else has been written.
type ErrorEncoder func(ctx context.Context, err error, w http.ResponseWriter)

// ErrorHandler observes every error a Server meets: it logs or counts them.
// It must not write to the response. It is transport.ErrorHandler, so one
// handler serves every transport; the context it receives holds a
// *transport.Call naming the route, peer and status.
type ErrorHandler = transport.ErrorHandler

// ErrorHandlerFunc is an adapter to use an ordinary function as an
// ErrorHandler; it is transport.ErrorHandlerFunc.
type ErrorHandlerFunc = transport.ErrorHandlerFunc

// StatusOf returns the HTTP status that DefaultErrorEncoder writes for err:
// the StatusCode of the first error in its chain that has one; 504 for
// context.DeadlineExceeded; for an error that knows its place in kit's
// failure model ([endpoint.Classified]), 429 Too Many Requests when it is
// an Overloaded refusal (a limiter's or a breaker's) and 400 Bad Request
// when it is a CallerError; and 500 otherwise.
func StatusOf(err error) int {
	var sc StatusCoder
	var c endpoint.Classified
	switch {
	case errors.As(err, &sc):
		return sc.StatusCode()
	case errors.Is(err, context.DeadlineExceeded):
		return http.StatusGatewayTimeout
	case errors.As(err, &c):
		switch c.Outcome().Kind {
		case endpoint.Overloaded:
			return http.StatusTooManyRequests
		case endpoint.CallerError:
			return http.StatusBadRequest
		}
	}
	return http.StatusInternalServerError
}

// DefaultErrorEncoder writes err as JSON: the status from [StatusOf], headers
// from the first Headerer in err's chain, and the error's own JSON when it
// implements json.Marshaler, or {"error": err.Error()} otherwise. A
// *PanicError is sent as {"error":"internal server error"}.
//
// For a status of 500 or more the message is not sent: the body is
// {"error": "<status text>"}, such as "Internal Server Error", so that what an
// internal error says (a database's address, a downstream's reply, a Go type)
// stays on the server, where the ErrorHandler logs it. An error that chooses
// its own JSON (json.Marshaler) is sent as it is, whatever the status. 4xx
// messages are sent: they tell the caller what to fix. [VerboseErrorEncoder]
// sends every message, for development.
func DefaultErrorEncoder(_ context.Context, err error, w http.ResponseWriter) {
	encodeError(err, w, false)
}

// VerboseErrorEncoder is DefaultErrorEncoder sending the message of every
// error, 5xx included. Use it where clients may see internals (development,
// a trusted network): ServerErrorEncoder(VerboseErrorEncoder).
func VerboseErrorEncoder(_ context.Context, err error, w http.ResponseWriter) {
	encodeError(err, w, true)
}

func encodeError(err error, w http.ResponseWriter, verbose bool) {
	code := StatusOf(err)
	var body []byte
	var m json.Marshaler
	var pe *PanicError
	switch {
	case errors.As(err, &pe):
		// The panic value stays on the server.
		body = []byte(`{"error":"internal server error"}`)
	case errors.As(err, &m):
		body, _ = m.MarshalJSON()
	}
	if body == nil {
		msg := err.Error()
		if code >= 500 && !verbose {
			msg = publicMessage(err, code)
		}
		body, _ = json.Marshal(errorBody{Error: msg})
	}
	h := w.Header()
	var hh Headerer
	if errors.As(err, &hh) {
		for k, vs := range hh.Headers() {
			h[k] = append(h[k], vs...)
		}
	}
	h.Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_, _ = w.Write(append(body, '\n'))
}

// publicMessage is what DefaultErrorEncoder says of a 5xx error: the status
// text, or "deadline exceeded" for a deadline, which is the caller's budget
// and no secret.
func publicMessage(err error, code int) string {
	if errors.Is(err, ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
		return "deadline exceeded"
	}
	return http.StatusText(code)
}

type errorBody struct {
	Error string `json:"error"`
}

// ResponseError is returned by the response decoders of this package (and by
// ErrorFromResponse) for a response with a non-2xx status. It carries what
// the server sent, so a caller can act on the status.
//
// It speaks kit's failure model ([endpoint.Classified]): its Outcome is
// [endpoint.OutcomeOfStatus] of the status, so a 400 from the server is the
// caller's error and trips no breaker, a 429 is Overloaded and a 5xx a
// DependencyFailure; a 504 also reports Timeout() true, so that one that
// arrives as the caller's own deadline runs out is the caller's. Its
// StatusCode is the status too: a Server whose endpoint returns it as it is
// answers with the same status; wrap it in a [StatusError] to answer
// otherwise.
type ResponseError struct {
	// Code is the response's status code.
	Code int
	// Header is the response's header.
	Header http.Header
	// Body is the response body, truncated to 64 KiB.
	Body []byte
	// Message is the "error" member of a JSON body, when there is one.
	Message string
}

// StatusCode returns Code.
func (e *ResponseError) StatusCode() int { return e.Code }

// Outcome implements endpoint.Classified: endpoint.OutcomeOfStatus(Code).
func (e *ResponseError) Outcome() endpoint.Outcome { return endpoint.OutcomeOfStatus(e.Code) }

// Timeout reports whether the server answered 504 Gateway Timeout.
func (e *ResponseError) Timeout() bool { return e.Code == http.StatusGatewayTimeout }

// Error names the status and the server's message.
func (e *ResponseError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = string(e.Body)
		if len(msg) > 200 {
			msg = msg[:200] + "..."
		}
	}
	if msg == "" {
		return fmt.Sprintf("http: response status %d", e.Code)
	}
	return fmt.Sprintf("http: response status %d: %s", e.Code, msg)
}
