package addthrift

import "github.com/endpointkit/kit/endpoint"

// Outcome implements endpoint.Classified: Limited is a refusal by a
// limiter, a retryable Overloaded, wherever it is classified (a server's
// trace hooks and error handler, which see the exception sent, or a
// client's retry).
func (p *Limited) Outcome() endpoint.Outcome {
	return endpoint.Outcome{Kind: endpoint.Overloaded, Retryable: true}
}
