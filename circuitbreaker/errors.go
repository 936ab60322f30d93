package circuitbreaker

import "github.com/endpointkit/kit/endpoint"

// ErrOpen is returned, possibly wrapped, by every breaker in this package
// when it rejects a call without making it: a [Breaker] that is open or
// half-open with all probes taken, a [Throttle] that drops a request, or a
// gobreaker breaker behind [Gobreaker] that refused one. Test with
// errors.Is(err, circuitbreaker.ErrOpen).
//
// It classifies as a retryable [endpoint.Overloaded] refusal (it implements
// [endpoint.Classified]): the call was shed, not failed, and another
// instance behind another breaker may take it. A server that returns it
// answers 429 (HTTP) or ResourceExhausted (gRPC).
var ErrOpen error = &rejectError{msg: "circuitbreaker: breaker is open"}

// ErrThrottled is returned by a [Throttle] when it rejects a call locally.
// It wraps [ErrOpen], so errors.Is(err, ErrOpen) holds too, and classifies
// as ErrOpen does.
var ErrThrottled error = &rejectError{msg: "circuitbreaker: request throttled", wrapped: ErrOpen}

type rejectError struct {
	msg     string
	wrapped error
}

func (e *rejectError) Error() string { return e.msg }
func (e *rejectError) Unwrap() error { return e.wrapped }

// Outcome implements endpoint.Classified: a retryable Overloaded refusal.
func (e *rejectError) Outcome() endpoint.Outcome {
	return endpoint.Outcome{Kind: endpoint.Overloaded, Retryable: true}
}
