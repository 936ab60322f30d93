package handler

import (
	"net/http"
	"strconv"

	"github.com/endpointkit/kit/endpoint"
)

// StatusError is the error the handler's Endpoint returns to the middleware
// when the handler answered with a 4xx or 5xx status. It classifies as
// [endpoint.OutcomeOfStatus] of the status: a 5xx is a DependencyFailure,
// 429 Overloaded, any other 4xx a CallerError. The response has been
// written already; the error only tells the middleware how the call went.
type StatusError struct {
	code int
}

// statusErrors holds one StatusError per 4xx and 5xx status, so that a
// failed request allocates no error.
var statusErrors = func() (t [200]StatusError) {
	for i := range t {
		t[i].code = 400 + i
	}
	return t
}()

func statusError(code int) error {
	if code >= 400 && code < 600 {
		return &statusErrors[code-400]
	}
	return &StatusError{code: code}
}

// Error returns "handler: status 503 Service Unavailable" and the like.
func (e *StatusError) Error() string {
	msg := "handler: status " + strconv.Itoa(e.code)
	if t := http.StatusText(e.code); t != "" {
		msg += " " + t
	}
	return msg
}

// StatusCode returns the HTTP status the handler wrote.
func (e *StatusError) StatusCode() int { return e.code }

// Outcome returns endpoint.OutcomeOfStatus of the status, for
// endpoint.Classify and every kit middleware that classifies calls.
func (e *StatusError) Outcome() endpoint.Outcome { return endpoint.OutcomeOfStatus(e.code) }

// Unmatched is what [Route] returns for a request no http.ServeMux pattern
// matched (a 404 from the mux, or a handler served without a ServeMux).
const Unmatched = "unmatched"

// Route returns the http.ServeMux pattern that matched r ("GET
// /items/{id}"), or [Unmatched]: never the raw path, so that a metrics label
// made of it has bounded cardinality.
func Route(r *http.Request) string {
	if r.Pattern == "" {
		return Unmatched
	}
	return r.Pattern
}
