package thrift_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/apache/thrift/lib/go/thrift"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/transport"
	kitthrift "github.com/endpointkit/kit/transport/thrift"
	"github.com/endpointkit/kit/transport/thrift/internal/thrifttest"
)

// TestExceptionOf checks every row of ExceptionOf's table: the exception
// type, the message the client sees, and the server-side classification.
// statusError is an error carrying an HTTP status, as auth/jwt's and
// auth/mtls's refusals do; endpoint.Classify reads it.
type statusError struct{ code int }

func (e statusError) Error() string   { return "secret" }
func (e statusError) StatusCode() int { return e.code }

func TestExceptionOf(t *testing.T) {
	expired, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	canceled, cancel2 := context.WithCancel(context.Background())
	cancel2()
	hop, cancel3 := endpoint.WithTimeout(context.Background(), -time.Second)
	defer cancel3()
	bg := context.Background()
	overloaded := endpoint.Outcome{Kind: endpoint.Overloaded, Retryable: true}
	for _, tc := range []struct {
		name string
		ctx  context.Context
		err  error
		typ  int32
		msg  string
		kind endpoint.Kind
	}{
		{"plain error", bg, errors.New("secret"), thrift.INTERNAL_ERROR, "internal error", endpoint.DependencyFailure},
		{"panic", bg, &kitthrift.PanicError{Value: "secret"}, thrift.INTERNAL_ERROR, "internal error", endpoint.DependencyFailure},
		{"bad timeout header", bg, kitthrift.ErrBadTimeout, thrift.PROTOCOL_ERROR, kitthrift.ErrBadTimeout.Error(), endpoint.CallerError},
		{"spent budget", bg, kitthrift.ErrDeadlineExceeded, kitthrift.ExceptionTimeout, "deadline exceeded", endpoint.CallerError},
		{"caller's deadline", expired, context.DeadlineExceeded, kitthrift.ExceptionTimeout, "deadline exceeded", endpoint.CallerError},
		{"caller canceled", canceled, context.Canceled, kitthrift.ExceptionTimeout, "canceled", endpoint.CallerError},
		{"overloaded", bg, endpoint.WithOutcome(errors.New("secret"), overloaded), kitthrift.ExceptionOverloaded, "overloaded", endpoint.Overloaded},
		{"other caller error", bg, endpoint.WithOutcome(errors.New("secret"), endpoint.Outcome{Kind: endpoint.CallerError}), thrift.PROTOCOL_ERROR, "bad request", endpoint.CallerError},
		{"unauthenticated", bg, statusError{401}, kitthrift.ExceptionUnauthenticated, "unauthenticated", endpoint.CallerError},
		{"permission denied", bg, statusError{403}, kitthrift.ExceptionPermissionDenied, "permission denied", endpoint.CallerError},
		{"other 4xx", bg, statusError{404}, thrift.PROTOCOL_ERROR, "bad request", endpoint.CallerError},
		{"this hop's timeout", hop, fmt.Errorf("db: %w", context.DeadlineExceeded), kitthrift.ExceptionTimeout, "timeout", endpoint.DependencyFailure},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := kitthrift.ExceptionOf(tc.ctx, tc.err)
			var ae *kitthrift.ApplicationError
			if !errors.As(got, &ae) {
				t.Fatalf("ExceptionOf = %v (%T), want *ApplicationError", got, got)
			}
			if ae.Type != tc.typ || ae.Error() != tc.msg || ae.Outcome().Kind != tc.kind {
				t.Errorf("ExceptionOf = type %d %q %v, want %d %q %v", ae.Type, ae.Error(), ae.Outcome(), tc.typ, tc.msg, tc.kind)
			}
			if !errors.Is(got, tc.err) {
				t.Errorf("ExceptionOf(err) does not wrap err")
			}
		})
	}
	declared := &thrifttest.Refused{Reason: "no"}
	if got := kitthrift.ExceptionOf(bg, fmt.Errorf("wrapped: %w", declared)); got != error(declared) {
		t.Errorf("ExceptionOf(wrapped declared exception) = %v (%T), want the exception itself", got, got)
	}
	if got := kitthrift.ExceptionOf(bg, errors.Join(errors.New("x"), declared)); got != error(declared) {
		t.Errorf("ExceptionOf(joined declared exception) = %v (%T), want the exception itself", got, got)
	}
	if kitthrift.ExceptionOf(bg, nil) != nil {
		t.Errorf("ExceptionOf(nil) != nil")
	}
}

// TestErrorReportNamesCall: the ErrorHandler's context holds a
// *transport.Call naming the transport, method, peer and exception sent.
func TestErrorReportNamesCall(t *testing.T) {
	calls := make(chan transport.Call, 1)
	h := kitthrift.ErrorHandlerFunc(func(ctx context.Context, err error) {
		c, _ := transport.CallFromContext(ctx)
		if c != nil {
			calls <- *c
		}
	})
	addr, _ := startServer(t, newTestService(kitthrift.ServerErrorHandler(h)), kitthrift.ConnSettings{})
	c := kitthrift.NewClient(addr, echoCall)
	defer c.Close()
	if _, err := c.Endpoint()(context.Background(), "fail"); err == nil {
		t.Fatal("Echo(fail) succeeded")
	}
	got := <-calls
	if got.Transport != "thrift" || got.Route != "Echo" || got.Peer == "" || got.Status != thrift.INTERNAL_ERROR || got.StatusName != "INTERNAL_ERROR" {
		t.Errorf("Call = %+v, want thrift, Echo, a peer, INTERNAL_ERROR", got)
	}
}
