package jsonrpc

import (
	"context"
	"errors"
	"net/http"

	"github.com/endpointkit/kit/endpoint"
	kithttp "github.com/endpointkit/kit/transport/http"
)

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
