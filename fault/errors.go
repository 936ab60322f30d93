package fault

import "github.com/endpointkit/kit/endpoint"

// ErrDropped is returned for a dropped call, as if the connection to the
// dependency was lost. It classifies as a retryable DependencyFailure.
var ErrDropped error = droppedError{}

type droppedError struct{}

func (droppedError) Error() string { return "fault: connection dropped" }

func (droppedError) Outcome() endpoint.Outcome {
	return endpoint.Outcome{Kind: endpoint.DependencyFailure, Retryable: true}
}

// InjectedError is the error of a [Failure]. It implements
// [endpoint.Classified] with the Outcome the Failure chose; errors.As finds
// it to tell an injected error from a real one.
type InjectedError struct {
	outcome endpoint.Outcome
}

// Error returns "fault: injected " and the Outcome, for instance
// "fault: injected overloaded+retryable".
func (e *InjectedError) Error() string { return "fault: injected " + e.outcome.String() }

// Outcome implements [endpoint.Classified].
func (e *InjectedError) Outcome() endpoint.Outcome { return e.outcome }
