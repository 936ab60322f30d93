package grpc

import (
	"context"
	"errors"
	"fmt"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/transport"
)

// PanicError is what a Server reports to its ErrorHandler when a decoder,
// endpoint or encoder panics. The client receives codes.Internal with a
// generic message.
type PanicError struct {
	// Value is the value passed to panic.
	Value any
	// Stack is the goroutine's stack at the panic.
	Stack []byte
}

// Error includes the panic value, for logs.
func (e *PanicError) Error() string { return fmt.Sprintf("grpc: panic: %v", e.Value) }

// GRPCStatus returns Internal, without the panic value.
func (e *PanicError) GRPCStatus() *status.Status {
	return status.New(codes.Internal, "internal error")
}

// PanicStack returns Stack, for error handlers that log it (see
// transport.LogErrorHandler).
func (e *PanicError) PanicStack() []byte { return e.Stack }

// Unwrap returns the panic value when it is an error.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// decodeError marks an error from a request decoder, so that StatusOf maps
// it to InvalidArgument unless it carries its own status.
type decodeError struct{ err error }

func (e *decodeError) Error() string { return "grpc: decode request: " + e.err.Error() }
func (e *decodeError) Unwrap() error { return e.err }

// Outcome makes a request that does not decode the caller's error.
func (e *decodeError) Outcome() endpoint.Outcome { return endpoint.Outcome{Kind: endpoint.CallerError} }

// StatusOf returns the status a Server sends for err (see the package doc),
// but for the Unknown case, whose message the Server replaces with a generic
// one unless ServerVerboseErrors is given.
func StatusOf(err error) *status.Status {
	var se interface{ GRPCStatus() *status.Status }
	var de *decodeError
	var c endpoint.Classified
	switch {
	case err == nil:
		return nil
	case errors.As(err, &se):
		// The outermost error carrying a status wins; a *PanicError is one.
		return se.GRPCStatus()
	case errors.Is(err, context.Canceled):
		return status.New(codes.Canceled, err.Error())
	case errors.Is(err, context.DeadlineExceeded):
		return status.New(codes.DeadlineExceeded, err.Error())
	case errors.As(err, &de):
		return status.New(codes.InvalidArgument, err.Error())
	case errors.As(err, &c):
		// An error that knows its place in kit's failure model: a
		// limiter's or breaker's refusal is ResourceExhausted, so that
		// clients back off and retry elsewhere; a caller's error is
		// InvalidArgument.
		switch c.Outcome().Kind {
		case endpoint.Overloaded:
			return status.New(codes.ResourceExhausted, err.Error())
		case endpoint.CallerError:
			return status.New(codes.InvalidArgument, err.Error())
		}
	}
	return status.New(codes.Unknown, err.Error())
}

// OutcomeOfCode classifies a gRPC status code in kit's failure model, as
// a [Client]'s errors do:
//
//	OK                                               Success
//	InvalidArgument, NotFound, AlreadyExists,
//	PermissionDenied, Unauthenticated,
//	FailedPrecondition, OutOfRange, Unimplemented,
//	Canceled                                         CallerError
//	ResourceExhausted                                Overloaded, retryable
//	Unavailable, DeadlineExceeded, Aborted, Unknown  DependencyFailure, retryable
//	Internal, DataLoss                               DependencyFailure
//
// Unknown is retryable because it is what a server sends for an error
// without a status (kit's Server among them), as HTTP servers send 500.
// Internal is not: grpc itself uses it for messages that do not unmarshal
// and for broken invariants, which another attempt would meet again;
// DataLoss even less so. Unimplemented is the caller's: it asked for a
// method the server does not have.
func OutcomeOfCode(c codes.Code) endpoint.Outcome {
	switch c {
	case codes.OK:
		return endpoint.Outcome{Kind: endpoint.Success}
	case codes.InvalidArgument, codes.NotFound, codes.AlreadyExists, codes.PermissionDenied,
		codes.Unauthenticated, codes.FailedPrecondition, codes.OutOfRange, codes.Unimplemented,
		codes.Canceled:
		return endpoint.Outcome{Kind: endpoint.CallerError}
	case codes.ResourceExhausted:
		return endpoint.Outcome{Kind: endpoint.Overloaded, Retryable: true}
	case codes.Internal, codes.DataLoss:
		return endpoint.Outcome{Kind: endpoint.DependencyFailure}
	}
	return endpoint.Outcome{Kind: endpoint.DependencyFailure, Retryable: true}
}

// ClientError is what a [Client] returns when the call itself failed with
// a gRPC status (grpc's ClientConn.Invoke returned an error). It wraps
// grpc's error unchanged: status.FromError, status.Code and errors.Is and
// errors.As see what they saw before, and its message is grpc's.
//
// It speaks kit's failure model ([endpoint.Classified]): its Outcome is
// [OutcomeOfCode] of its code, so that an InvalidArgument trips no breaker
// and ejects no instance while Unavailable does; a DeadlineExceeded also
// reports Timeout() true, so that one arriving as the caller's own deadline
// runs out is the caller's.
type ClientError struct {
	err  error
	code codes.Code
}

// clientError wraps an error of Invoke.
func clientError(err error) error {
	return &ClientError{err: err, code: status.Code(err)}
}

// Error returns grpc's message.
func (e *ClientError) Error() string { return e.err.Error() }

// Unwrap returns grpc's error.
func (e *ClientError) Unwrap() error { return e.err }

// GRPCStatus returns the status of grpc's error, so that status.FromError
// and a Server passing the error on see it.
func (e *ClientError) GRPCStatus() *status.Status {
	s, _ := status.FromError(e.err)
	return s
}

// Code returns the status code.
func (e *ClientError) Code() codes.Code { return e.code }

// Outcome implements endpoint.Classified: OutcomeOfCode(e.Code()).
func (e *ClientError) Outcome() endpoint.Outcome { return OutcomeOfCode(e.code) }

// Timeout reports whether the code is DeadlineExceeded.
func (e *ClientError) Timeout() bool { return e.code == codes.DeadlineExceeded }

// ErrorHandler observes every error a Server meets: it logs or counts them.
// It is transport.ErrorHandler, so one handler serves every transport; the
// context it receives holds a *transport.Call naming the method, peer and
// code.
type ErrorHandler = transport.ErrorHandler

// ErrorHandlerFunc is an adapter to use an ordinary function as an
// ErrorHandler; it is transport.ErrorHandlerFunc.
type ErrorHandlerFunc = transport.ErrorHandlerFunc
