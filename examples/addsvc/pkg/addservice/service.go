// Package addservice is the business logic of the example: a Service that
// sums integers and concatenates strings, and knows nothing of transports.
//
// The Service returned by New is stateless and safe for concurrent use.
package addservice

import (
	"context"
	"errors"
	"math"
)

// Service describes the Add service.
type Service interface {
	// Sum returns a+b, or ErrIntOverflow.
	Sum(ctx context.Context, a, b int) (int, error)
	// Concat returns a+b, or ErrMaxSizeExceeded when the result would be
	// longer than MaxConcatLen bytes.
	Concat(ctx context.Context, a, b string) (string, error)
}

// MaxConcatLen is the longest string Concat returns.
const MaxConcatLen = 1024

// Business errors. They travel inside responses (see endpoint.Failer), and
// their messages are their wire form, so a client gets the same values back
// (see FromMessage).
var (
	ErrIntOverflow     = errors.New("integer overflow")
	ErrMaxSizeExceeded = errors.New("result exceeds maximum size")
)

// FromMessage returns the business error whose message is msg: one of the
// sentinels, another error with that message for an unknown one, and nil for
// an empty msg. Clients use it to rebuild errors received over the wire.
func FromMessage(msg string) error {
	switch msg {
	case "":
		return nil
	case ErrIntOverflow.Error():
		return ErrIntOverflow
	case ErrMaxSizeExceeded.Error():
		return ErrMaxSizeExceeded
	}
	return errors.New(msg)
}

// New returns the plain implementation of Service.
func New() Service { return basicService{} }

type basicService struct{}

func (basicService) Sum(_ context.Context, a, b int) (int, error) {
	if (b > 0 && a > math.MaxInt-b) || (b < 0 && a < math.MinInt-b) {
		return 0, ErrIntOverflow
	}
	return a + b, nil
}

func (basicService) Concat(_ context.Context, a, b string) (string, error) {
	if len(a)+len(b) > MaxConcatLen {
		return "", ErrMaxSizeExceeded
	}
	return a + b, nil
}
