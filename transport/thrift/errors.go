package thrift

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/apache/thrift/lib/go/thrift"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/transport"
)

// Exception types a Server sends beside the ones Apache Thrift defines
// (thrift.UNKNOWN_METHOD, thrift.INTERNAL_ERROR, thrift.PROTOCOL_ERROR...).
// They are kit's own numbers, above every type Apache Thrift and fbthrift
// define (Apache's 11 is VALIDATION_FAILED, fbthrift's is LOADSHEDDING), so
// that no peer mistakes them for something else; a peer that does not know
// them reads an exception of an unknown type with its message.
const (
	// ExceptionOverloaded is sent when the call was refused to shed load
	// (a limiter or breaker's refusal): endpoint.Overloaded.
	ExceptionOverloaded int32 = 100
	// ExceptionTimeout is sent when the call ran out of time: the caller's
	// budget (TimeoutHeader) or this server's own limit.
	ExceptionTimeout int32 = 101
	// ExceptionUnauthenticated is sent when the call was refused for want
	// of valid credentials: a caller's error whose StatusCode() is 401
	// (auth/jwt's and auth/mtls's refusals), as gRPC's Unauthenticated.
	ExceptionUnauthenticated int32 = 102
	// ExceptionPermissionDenied is sent when the caller is known but not
	// allowed: a caller's error whose StatusCode() is 403, as gRPC's
	// PermissionDenied.
	ExceptionPermissionDenied int32 = 103
)

// Sentinel errors, wrapped by the errors a Server reports so that errors.Is
// can tell them apart.
var (
	// ErrDeadlineExceeded is reported when the budget in TimeoutHeader is
	// spent before the endpoint runs. The client sees ExceptionTimeout.
	ErrDeadlineExceeded = errors.New("thrift: deadline exceeded before the endpoint ran")
	// ErrBadTimeout is reported when TimeoutHeader is not a whole number of
	// milliseconds. The client sees thrift.PROTOCOL_ERROR.
	ErrBadTimeout = errors.New("thrift: malformed " + TimeoutHeader + " header")
)

// PanicError is what a Server (or a ConnServer) reports to its ErrorHandler
// when a decoder, endpoint, encoder or handler panics. The client receives a
// thrift.INTERNAL_ERROR exception whose message is "internal error": the
// panic value stays on the server.
type PanicError struct {
	// Value is the value passed to panic.
	Value any
	// Stack is the goroutine's stack at the panic.
	Stack []byte
}

// Error includes the panic value, for logs.
func (e *PanicError) Error() string { return fmt.Sprintf("thrift: panic: %v", e.Value) }

// PanicStack returns Stack, for error handlers that log it (see
// transport.LogErrorHandler).
func (e *PanicError) PanicStack() []byte { return e.Stack }

// Unwrap returns the panic value when it is an error.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// Outcome classifies a panic as a DependencyFailure: the server is broken.
func (e *PanicError) Outcome() endpoint.Outcome {
	return endpoint.Outcome{Kind: endpoint.DependencyFailure}
}

// ApplicationError is the error a Server returns, in place of an error that
// is not a declared IDL exception, to the generated code: its message is
// what the client may see, chosen from the error's classification (see the
// package doc), never the error's own text. Under a [ConnServer] the client
// receives a TApplicationException of type Type with Message; under another
// server (thrift.TSimpleServer) the generated code sends
// thrift.INTERNAL_ERROR with Message in its text.
type ApplicationError struct {
	// Type is the TApplicationException type sent: thrift.INTERNAL_ERROR,
	// thrift.PROTOCOL_ERROR, ExceptionOverloaded or ExceptionTimeout.
	Type int32
	// Message is the exception's message, safe to show the caller.
	Message string
	// Err is the error the endpoint (or decoder, or encoder) returned; it
	// is never sent.
	Err error
	// Class is the error's classification: on the server, the endpoint's
	// error's; on the client, what the exception's Type says of the call.
	Class endpoint.Outcome
}

// Error returns Message: this is the text the generated code may send.
func (e *ApplicationError) Error() string { return e.Message }

// Unwrap returns Err.
func (e *ApplicationError) Unwrap() error { return e.Err }

// TypeId returns Type, as a thrift.TApplicationException does.
func (e *ApplicationError) TypeId() int32 { return e.Type }

// TExceptionType says this is an application exception, not a declared one.
func (e *ApplicationError) TExceptionType() thrift.TExceptionType {
	return thrift.TExceptionTypeApplication
}

// Outcome returns Class.
func (e *ApplicationError) Outcome() endpoint.Outcome { return e.Class }

// Timeout reports whether the exception says the call ran out of time, so
// that endpoint.Classify counts it as the caller's when the caller's own
// deadline was about to expire.
func (e *ApplicationError) Timeout() bool { return e.Type == ExceptionTimeout }

// decodeError marks an error from a request decoder: the caller's fault.
type decodeError struct{ err error }

func (e *decodeError) Error() string { return "thrift: decode request: " + e.err.Error() }
func (e *decodeError) Unwrap() error { return e.err }
func (e *decodeError) Outcome() endpoint.Outcome {
	return endpoint.Outcome{Kind: endpoint.CallerError}
}

// declared returns err's declared IDL exception (a struct generated from an
// `exception` definition), unwrapped, and whether there is one. The generated
// processor recognises declared exceptions by their concrete type, so they
// must reach it as they are.
func declared(err error) (thrift.TException, bool) {
	switch e := err.(type) {
	case nil:
		return nil, false
	case thrift.TException:
		if e.TExceptionType() == thrift.TExceptionTypeCompiled {
			return e, true
		}
	}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		return declared(u.Unwrap())
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			if te, ok := declared(e); ok {
				return te, true
			}
		}
	}
	return nil, false
}

// ExceptionOf returns what a Server sends for err, an error an endpoint,
// decoder or encoder returned while ctx was the request's context: err's
// declared IDL exception, unwrapped, when it has one; otherwise an
// [*ApplicationError] chosen by endpoint.Classify(ctx, nil, err):
//
//	declared IDL exception (anywhere in err's chain)   that exception, unchanged
//	panic                                              INTERNAL_ERROR "internal error"
//	decoder error                                      PROTOCOL_ERROR "bad request: " + its text
//	ErrBadTimeout                                      PROTOCOL_ERROR with its text
//	ErrDeadlineExceeded, or ctx done by its deadline   ExceptionTimeout "deadline exceeded"
//	ctx canceled                                       ExceptionTimeout "canceled"
//	Overloaded (a limiter's or breaker's refusal)      ExceptionOverloaded "overloaded"
//	CallerError with StatusCode() 401                  ExceptionUnauthenticated "unauthenticated"
//	CallerError with StatusCode() 403                  ExceptionPermissionDenied "permission denied"
//	other CallerError                                  PROTOCOL_ERROR "bad request"
//	this hop's own timeout (endpoint.ErrTimeout)       ExceptionTimeout "timeout"
//	any other error                                    INTERNAL_ERROR "internal error"
func ExceptionOf(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if te, ok := declared(err); ok {
		return te
	}
	var ae *ApplicationError
	if errors.As(err, &ae) {
		return ae
	}
	o := endpoint.Classify(ctx, nil, err)
	e := &ApplicationError{Type: thrift.INTERNAL_ERROR, Message: "internal error", Err: err, Class: o}
	var pe *PanicError
	var de *decodeError
	switch {
	case errors.As(err, &pe):
	case errors.Is(err, ErrBadTimeout):
		e.Type, e.Message = thrift.PROTOCOL_ERROR, ErrBadTimeout.Error()
		e.Class = endpoint.Outcome{Kind: endpoint.CallerError}
	case errors.As(err, &de):
		e.Type, e.Message = thrift.PROTOCOL_ERROR, "bad request: "+de.err.Error()
	case o.Kind == endpoint.CallerError && statusOf(err) == http.StatusUnauthorized:
		e.Type, e.Message = ExceptionUnauthenticated, "unauthenticated"
	case o.Kind == endpoint.CallerError && statusOf(err) == http.StatusForbidden:
		e.Type, e.Message = ExceptionPermissionDenied, "permission denied"
	case errors.Is(err, ErrDeadlineExceeded):
		// The caller's budget was spent on its way here: its own doing.
		e.Type, e.Message = ExceptionTimeout, "deadline exceeded"
		e.Class = endpoint.Outcome{Kind: endpoint.CallerError}
	case o.Kind == endpoint.CallerError && ctx.Err() != nil:
		e.Type, e.Message = ExceptionTimeout, "deadline exceeded"
		if errors.Is(ctx.Err(), context.Canceled) {
			e.Message = "canceled"
		}
	case o.Kind == endpoint.Overloaded:
		e.Type, e.Message = ExceptionOverloaded, "overloaded"
	case o.Kind == endpoint.CallerError:
		e.Type, e.Message = thrift.PROTOCOL_ERROR, "bad request"
	case ctx.Err() != nil && errors.Is(context.Cause(ctx), endpoint.ErrTimeout):
		e.Type, e.Message = ExceptionTimeout, "timeout"
	}
	return e
}

// statusOf returns the HTTP status err carries (StatusCode() int, as
// auth/jwt's and auth/mtls's errors do), or 0.
func statusOf(err error) int {
	var sc interface{ StatusCode() int }
	if errors.As(err, &sc) {
		return sc.StatusCode()
	}
	return 0
}

// ErrorHandler observes every error a Server or ConnServer meets: it logs
// or counts them. It must be safe for concurrent use. It is
// transport.ErrorHandler, so one handler serves every transport; the context
// it receives holds a *transport.Call naming the method, peer and exception.
type ErrorHandler = transport.ErrorHandler

// ErrorHandlerFunc is an adapter to use an ordinary function as an
// ErrorHandler; it is transport.ErrorHandlerFunc.
type ErrorHandlerFunc = transport.ErrorHandlerFunc

// exceptionNames are the names of the exception types, for logs.
var exceptionNames = map[int32]string{
	thrift.UNKNOWN_APPLICATION_EXCEPTION:  "UNKNOWN",
	thrift.UNKNOWN_METHOD:                 "UNKNOWN_METHOD",
	thrift.INVALID_MESSAGE_TYPE_EXCEPTION: "INVALID_MESSAGE_TYPE",
	thrift.WRONG_METHOD_NAME:              "WRONG_METHOD_NAME",
	thrift.BAD_SEQUENCE_ID:                "BAD_SEQUENCE_ID",
	thrift.MISSING_RESULT:                 "MISSING_RESULT",
	thrift.INTERNAL_ERROR:                 "INTERNAL_ERROR",
	thrift.PROTOCOL_ERROR:                 "PROTOCOL_ERROR",
	ExceptionOverloaded:                   "OVERLOADED",
	ExceptionTimeout:                      "TIMEOUT",
	ExceptionUnauthenticated:              "UNAUTHENTICATED",
	ExceptionPermissionDenied:             "PERMISSION_DENIED",
}

// ExceptionName is the name of a TApplicationException type, as kit's logs
// and traces spell it: "INTERNAL_ERROR", "PROTOCOL_ERROR", "OVERLOADED",
// "TIMEOUT", "UNAUTHENTICATED", "PERMISSION_DENIED"; "UNKNOWN" for a type it does not know.
func ExceptionName(typ int32) string {
	if n, ok := exceptionNames[typ]; ok {
		return n
	}
	return exceptionNames[thrift.UNKNOWN_APPLICATION_EXCEPTION]
}

// MethodFromContext returns the name of the method a ConnServer is serving
// ("Sum"), from the context it hands the handler and so to a Server's
// hooks; ok is false outside a ConnServer.
func MethodFromContext(ctx context.Context) (method string, ok bool) {
	method, ok = ctx.Value(methodKey{}).(string)
	return method, ok
}

// PeerFromContext returns the caller's address ("host:port") from the
// context a ConnServer hands the handler; ok is false outside a ConnServer.
func PeerFromContext(ctx context.Context) (peer string, ok bool) {
	peer, ok = ctx.Value(peerKey{}).(string)
	return peer, ok
}

// methodKey and peerKey are where a ConnServer puts the method's name and
// the caller's address, for the *transport.Call of error reports.
type (
	methodKey struct{}
	peerKey   struct{}
)

// report hands err to h with a *transport.Call describing the call: the
// method and peer a ConnServer put into ctx, and sent, what the client is
// sent for err (nil for none).
func report(ctx context.Context, h ErrorHandler, err, sent error) {
	c := &transport.Call{Transport: "thrift"}
	c.Route, _ = ctx.Value(methodKey{}).(string)
	c.Peer, _ = ctx.Value(peerKey{}).(string)
	var ae *ApplicationError
	if te, ok := declared(sent); ok {
		c.StatusName = fmt.Sprintf("%T", te) // the declared exception's type
	} else if errors.As(sent, &ae) {
		c.Status = int(ae.Type)
		c.StatusName = exceptionNames[ae.Type]
	}
	h.Handle(transport.WithCall(ctx, c), err)
}
