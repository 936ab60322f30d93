package transport

import "context"

// ErrorHandler observes the errors a transport server meets: decode errors,
// endpoint errors, encode errors and recovered panics. It logs or counts
// them; it must not write to the response. The context is the request's,
// with a [*Call] describing it (see [CallFromContext]). Implementations
// must be safe for concurrent use.
type ErrorHandler interface {
	Handle(ctx context.Context, err error)
}

// ErrorHandlerFunc is an adapter to use an ordinary function as an
// ErrorHandler.
type ErrorHandlerFunc func(ctx context.Context, err error)

// Handle calls f(ctx, err).
func (f ErrorHandlerFunc) Handle(ctx context.Context, err error) { f(ctx, err) }
