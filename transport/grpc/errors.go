package grpc

import (
	"context"
	"errors"
	"fmt"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
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

// StatusOf returns the status a Server sends for err (see the package doc),
// but for the Unknown case, whose message the Server replaces with a generic
// one unless ServerVerboseErrors is given.
func StatusOf(err error) *status.Status {
	var se interface{ GRPCStatus() *status.Status }
	var de *decodeError
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
	}
	return status.New(codes.Unknown, err.Error())
}

// ErrorHandler observes every error a Server meets: it logs or counts them.
type ErrorHandler interface {
	Handle(ctx context.Context, err error)
}

// ErrorHandlerFunc is an adapter to use an ordinary function as an
// ErrorHandler.
type ErrorHandlerFunc func(ctx context.Context, err error)

// Handle calls f(ctx, err).
func (f ErrorHandlerFunc) Handle(ctx context.Context, err error) { f(ctx, err) }
