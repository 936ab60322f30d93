package addtransport

import (
	"context"
	"errors"
	"net/http"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/examples/addsvc/pkg/addendpoint"
	"github.com/endpointkit/kit/log"
	"github.com/endpointkit/kit/ratelimit"
	"github.com/endpointkit/kit/transport"
)

// LimitedErrorCode is the JSON-RPC error code of a call refused by a limiter,
// from the range the specification leaves to servers.
const LimitedErrorCode = -32029

// limitedError is a call refused by a rate or concurrency limit, dressed for
// every transport: HTTP 429 with Retry-After, gRPC ResourceExhausted, and
// JSON-RPC LimitedErrorCode (with HTTP 429 too). It wraps the limiter's
// error, so errors.Is(err, ratelimit.ErrLimited) still holds.
type limitedError struct{ err error }

func (e *limitedError) Error() string   { return e.err.Error() }
func (e *limitedError) Unwrap() error   { return e.err }
func (e *limitedError) StatusCode() int { return http.StatusTooManyRequests }
func (e *limitedError) ErrorCode() int  { return LimitedErrorCode }
func (e *limitedError) Headers() http.Header {
	return http.Header{"Retry-After": []string{"1"}}
}
func (e *limitedError) GRPCStatus() *status.Status {
	return status.New(codes.ResourceExhausted, e.err.Error())
}

// mapErrors returns set with the errors of its endpoints mapped to what the
// transports should say: a call refused by a limiter (ratelimit.ErrLimited,
// which the concurrency limits' ErrInFlight wraps) becomes a limitedError.
// Other errors pass unchanged. The library limiters stay transport-agnostic;
// this is where the service decides what "limited" looks like on the wire.
func mapErrors(set addendpoint.Set) addendpoint.Set {
	return set.Wrap(func(string) endpoint.Middleware {
		return func(next endpoint.Endpoint) endpoint.Endpoint {
			return func(ctx context.Context, req any) (any, error) {
				resp, err := next(ctx, req)
				if err != nil && errors.Is(err, ratelimit.ErrLimited) {
					return resp, &limitedError{err: err}
				}
				return resp, err
			}
		}
	})
}

// errorHandler is what every transport hands its errors to: kit's log error
// handler, which logs a call refused by a limiter (a 429, ResourceExhausted)
// and a caller's bad request at level warn, being expected and no fault of
// the service, and any other error at level error, with the stack of a
// panic; each line names the transport, route, status and peer.
func errorHandler(logger log.Logger) transport.ErrorHandler {
	return transport.NewLogErrorHandler(logger)
}
