package circuitbreaker

import "errors"

// ErrOpen is returned, possibly wrapped, by every breaker in this package
// when it rejects a call without making it: a [Breaker] that is open or
// half-open with all probes taken, a [Throttle] that drops a request, or a
// gobreaker breaker behind [Gobreaker] that refused one. Test with
// errors.Is(err, circuitbreaker.ErrOpen).
var ErrOpen = errors.New("circuitbreaker: breaker is open")

// ErrThrottled is returned by a [Throttle] when it rejects a call locally.
// It wraps [ErrOpen], so errors.Is(err, ErrOpen) holds too.
var ErrThrottled error = &rejectError{msg: "circuitbreaker: request throttled"}

type rejectError struct{ msg string }

func (e *rejectError) Error() string { return e.msg }
func (e *rejectError) Unwrap() error { return ErrOpen }
