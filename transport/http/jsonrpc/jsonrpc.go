package jsonrpc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/endpointkit/kit/endpoint"
)

// Version is the only protocol version this package speaks.
const Version = "2.0"

// The error codes defined by the JSON-RPC 2.0 specification. Codes from
// -32000 to -32099 are for implementation-defined server errors.
const (
	ParseError     = -32700 // invalid JSON
	InvalidRequest = -32600 // JSON, but not a valid request object
	MethodNotFound = -32601 // no such method
	InvalidParams  = -32602 // the params do not decode
	InternalError  = -32603 // the method failed
)

// DeadlineExceeded is kit's error code, from the range the specification
// leaves to servers, for a call refused or ended because the caller's
// deadline passed: the budget in kithttp.TimeoutHeader was spent before the
// method ran, or the method returned context.DeadlineExceeded. Its HTTP
// status is 504. (It is not InvalidRequest: the request was valid, its time
// ran out.)
const DeadlineExceeded = -32001

// Error is a JSON-RPC error object. It is returned by clients for error
// responses, and endpoints may return one to choose the code.
type Error struct {
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data,omitempty"`
}

// Error implements the error interface.
func (e *Error) Error() string { return fmt.Sprintf("jsonrpc: error %d: %s", e.Code, e.Message) }

// ErrorCode returns Code.
func (e *Error) ErrorCode() int { return e.Code }

// Outcome implements endpoint.Classified, so that a Client's error
// responses speak kit's failure model: ParseError, InvalidRequest,
// InvalidParams and MethodNotFound are the caller's errors (they trip no
// breaker and are not retried); InternalError, the implementation-defined
// server errors (-32099 to -32000) and any other code are retryable
// DependencyFailures, as an HTTP 500 is. (A Client also classifies an error
// response by its HTTP status when that says more: 429 is Overloaded.)
func (e *Error) Outcome() endpoint.Outcome {
	switch e.Code {
	case ParseError, InvalidRequest, InvalidParams, MethodNotFound:
		return endpoint.Outcome{Kind: endpoint.CallerError}
	}
	return endpoint.Outcome{Kind: endpoint.DependencyFailure, Retryable: true}
}

// statusError is an error response whose HTTP status says more than its
// JSON-RPC code: 429 (the server shed the call) or 504 (its budget ran
// out). It classifies by the status, and still unwraps to the *Error.
type statusError struct {
	err    error
	status int
}

func (e *statusError) Error() string   { return e.err.Error() }
func (e *statusError) Unwrap() error   { return e.err }
func (e *statusError) StatusCode() int { return e.status }
func (e *statusError) Timeout() bool   { return e.status == http.StatusGatewayTimeout }
func (e *statusError) Outcome() endpoint.Outcome {
	return endpoint.OutcomeOfStatus(e.status)
}

// ErrorCoder is implemented by errors that choose their JSON-RPC error code.
type ErrorCoder interface {
	ErrorCode() int
}

// Request is a JSON-RPC request object. An ID of nil (the member absent)
// makes it a notification.
type Request struct {
	JSONRPC string          `json:"jsonrpc"`
	Method  string          `json:"method"`
	Params  json.RawMessage `json:"params,omitempty"`
	ID      json.RawMessage `json:"id,omitempty"`
}

// Response is a JSON-RPC response object: exactly one of Result and Error is
// set.
type Response struct {
	JSONRPC string          `json:"jsonrpc"`
	Result  json.RawMessage `json:"result,omitempty"`
	Error   *Error          `json:"error,omitempty"`
	ID      json.RawMessage `json:"id"`
}

var null = json.RawMessage("null")

// validID reports whether id is a string, a number or null, the types the
// specification allows.
func validID(id json.RawMessage) bool {
	id = bytes.TrimSpace(id)
	if len(id) == 0 {
		return false
	}
	switch id[0] {
	case '"':
		var s string
		return json.Unmarshal(id, &s) == nil
	case 'n':
		return string(id) == "null"
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		var n json.Number
		return json.Unmarshal(id, &n) == nil
	}
	return false
}
