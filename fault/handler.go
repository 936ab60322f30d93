package fault

import (
	"context"
	"net/http"

	"github.com/endpointkit/kit/endpoint"
)

// Handler returns next with the Injector's faults injected, for an HTTP
// server that is not built from endpoints, or to fault a whole server at
// once. Latency and hangs wait on the request's context; a hang then ends
// the response, as a drop does, by aborting the handler with
// [http.ErrAbortHandler]: the client sees its connection (or HTTP/2
// stream) lost. With [Drop.AfterCall], next runs first and whatever of its
// response was not yet sent is lost. An injected error is answered with
// the status [endpoint.OutcomeOfStatus] maps back to its Outcome: 429 for
// Overloaded, 400 for a CallerError, 503 for a retryable
// DependencyFailure and 501 for one that is not.
func (in *Injector) Handler(next http.Handler) http.Handler {
	ep := in.Middleware()(func(_ context.Context, req any) (any, error) {
		rw := req.(*request)
		next.ServeHTTP(rw.w, rw.r)
		return nil, nil
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if in.cur.Load() == nil {
			next.ServeHTTP(w, r)
			return
		}
		_, err := ep(r.Context(), &request{w: w, r: r})
		if err == nil {
			return
		}
		if ie, ok := err.(*InjectedError); ok {
			http.Error(w, ie.Error(), statusOf(ie.outcome))
			return
		}
		// A drop, or a hang or delay whose request ended: nothing is
		// answered.
		panic(http.ErrAbortHandler)
	})
}

// request carries one HTTP exchange through the endpoint the Handler wraps.
type request struct {
	w http.ResponseWriter
	r *http.Request
}

// statusOf returns the HTTP status that endpoint.OutcomeOfStatus maps to o.
func statusOf(o endpoint.Outcome) int {
	switch {
	case o.Kind == endpoint.Overloaded:
		return http.StatusTooManyRequests
	case o.Kind == endpoint.CallerError:
		return http.StatusBadRequest
	case o.Retryable:
		return http.StatusServiceUnavailable
	}
	return http.StatusNotImplemented
}
