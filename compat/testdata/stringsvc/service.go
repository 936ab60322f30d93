// Package stringsvc is a Go kit service in the style of Go kit's stringsvc
// examples, written against Go kit v0.13: a string service with logging and
// instrumenting middlewares, served over HTTP, that can proxy its
// Uppercase method to other instances through a discovery source, a
// balancer, retries, a rate limit and a circuit breaker.
package stringsvc

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"
)

// StringService operates on strings.
type StringService interface {
	Uppercase(ctx context.Context, s string) (string, error)
	Count(ctx context.Context, s string) int
}

// ErrEmpty is returned for an empty input.
var ErrEmpty = errors.New("empty string")

type stringService struct{}

// New returns the basic StringService.
func New() StringService { return stringService{} }

func (stringService) Uppercase(_ context.Context, s string) (string, error) {
	if s == "" {
		return "", ErrEmpty
	}
	return strings.ToUpper(s), nil
}

func (stringService) Count(_ context.Context, s string) int { return utf8.RuneCountInString(s) }

// ServiceMiddleware decorates a StringService.
type ServiceMiddleware func(StringService) StringService
