package circuitbreaker

import (
	"context"
	"errors"
)

// Outcome is what a call tells a breaker about the health of what it calls.
type Outcome uint8

const (
	// Success means the dependency answered properly, even if the answer
	// was a business error (a bad request, a missing record).
	Success Outcome = iota
	// Failure means the dependency is unhealthy: the call failed, timed out
	// or was too slow.
	Failure
	// Ignore means the call says nothing about the dependency, typically
	// because the caller gave up first. It counts neither way.
	Ignore
)

// String returns "success", "failure" or "ignore".
func (o Outcome) String() string {
	switch o {
	case Success:
		return "success"
	case Failure:
		return "failure"
	case Ignore:
		return "ignore"
	}
	return "unknown"
}

// Classifier decides the [Outcome] of one call from the caller's context
// and what the wrapped Endpoint returned. It is called after every call that
// a breaker let through, outside any lock, and must be safe for concurrent
// use.
type Classifier func(ctx context.Context, response any, err error) Outcome

// ClientError may be implemented by errors that blame the caller rather
// than the dependency (a validation failure, a 4xx answer). The default
// classifier does not count them as failures.
type ClientError interface {
	ClientError() bool
}

// DefaultClassify is the [Classifier] every breaker uses unless told
// otherwise:
//
//   - a nil error is a Success, also when the response is an
//     endpoint.Failer carrying a business error: the dependency worked;
//   - an error returned after the caller's own context was canceled is
//     Ignored: the caller left, the dependency may be fine (a deadline that
//     expired is a Failure, since a slow dependency is what expires them);
//   - an error that says it is a client error, through ClientError() bool
//     or through StatusCode() int in 400–499 other than 408 and 429, is a
//     Success: the dependency answered, the request was bad;
//   - every other error is a Failure.
func DefaultClassify(ctx context.Context, response any, err error) Outcome {
	if err == nil {
		// An endpoint.Failer response is a business error: the call
		// itself worked, so it is a success for the breaker.
		return Success
	}
	if errors.Is(ctx.Err(), context.Canceled) {
		return Ignore
	}
	var ce ClientError
	if errors.As(err, &ce) && ce.ClientError() {
		return Success
	}
	var sc interface{ StatusCode() int }
	if errors.As(err, &sc) {
		if c := sc.StatusCode(); c >= 400 && c < 500 && c != 408 && c != 429 {
			return Success
		}
	}
	return Failure
}
