package grpc_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/endpointkit/kit/endpoint"
	kitgrpc "github.com/endpointkit/kit/transport/grpc"
)

// TestClientErrorsClassify calls a real server and checks that the
// client's errors classify by their code while status.FromError,
// status.Code and errors.As still see grpc's status.
func TestClientErrorsClassify(t *testing.T) {
	conn := serve(t, []grpc.ServerOption{grpc.ChainUnaryInterceptor(kitgrpc.Interceptor)})
	call := upperClient(conn)
	for _, tc := range []struct {
		in   string
		code codes.Code
		msg  string
		want endpoint.Outcome
	}{
		{"bad", codes.InvalidArgument, "grpc: decode request: bad is not a word", endpoint.Outcome{Kind: endpoint.CallerError}},
		{"notfound", codes.NotFound, "no such thing", endpoint.Outcome{Kind: endpoint.CallerError}},
		{"overloaded", codes.ResourceExhausted, "shed", endpoint.Outcome{Kind: endpoint.Overloaded, Retryable: true}},
		{"plain", codes.Unknown, "unknown error", endpoint.Outcome{Kind: endpoint.DependencyFailure, Retryable: true}}, // "boom" stays on the server
		{"panic", codes.Internal, "internal error", endpoint.Outcome{Kind: endpoint.DependencyFailure}},
	} {
		t.Run(tc.in, func(t *testing.T) {
			_, err := call(context.Background(), tc.in)
			var ce *kitgrpc.ClientError
			if !errors.As(err, &ce) || ce.Code() != tc.code {
				t.Fatalf("call(%q): err = %v (%T), want a *ClientError with code %v", tc.in, err, err, tc.code)
			}
			if got := status.Code(err); got != tc.code {
				t.Errorf("status.Code = %v, want %v", got, tc.code)
			}
			if st, ok := status.FromError(err); !ok || st.Code() != tc.code || st.Message() != tc.msg {
				t.Errorf("status.FromError = %v, %v; want code %v, message %q", st, ok, tc.code, tc.msg)
			}
			if got := endpoint.Classify(context.Background(), nil, err); got != tc.want {
				t.Errorf("Classify = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestOutcomeOfCode(t *testing.T) {
	caller := endpoint.Outcome{Kind: endpoint.CallerError}
	retryable := endpoint.Outcome{Kind: endpoint.DependencyFailure, Retryable: true}
	final := endpoint.Outcome{Kind: endpoint.DependencyFailure}
	for c, want := range map[codes.Code]endpoint.Outcome{
		codes.OK:                 {Kind: endpoint.Success},
		codes.Canceled:           caller,
		codes.InvalidArgument:    caller,
		codes.NotFound:           caller,
		codes.AlreadyExists:      caller,
		codes.PermissionDenied:   caller,
		codes.Unauthenticated:    caller,
		codes.FailedPrecondition: caller,
		codes.OutOfRange:         caller,
		codes.Unimplemented:      caller,
		codes.ResourceExhausted:  {Kind: endpoint.Overloaded, Retryable: true},
		codes.Unavailable:        retryable,
		codes.DeadlineExceeded:   retryable,
		codes.Aborted:            retryable,
		codes.Unknown:            retryable,
		codes.Internal:           final,
		codes.DataLoss:           final,
	} {
		if got := kitgrpc.OutcomeOfCode(c); got != want {
			t.Errorf("OutcomeOfCode(%v) = %v, want %v", c, got, want)
		}
	}
}

// TestClientDeadlineIsTheCallers checks that a DeadlineExceeded arriving as
// the caller's own deadline runs out is the caller's, while the same code
// from a call whose caller had time is the dependency's.
func TestClientDeadlineIsTheCallers(t *testing.T) {
	conn := serve(t, nil)
	call := upperClient(conn)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := call(ctx, "wait")
	if status.Code(err) != codes.DeadlineExceeded {
		t.Fatalf("call with 20ms: err = %v, want DeadlineExceeded", err)
	}
	if got := endpoint.Classify(ctx, nil, err); got.Kind != endpoint.CallerError {
		t.Errorf("Classify under the caller's spent deadline = %v, want caller_error", got)
	}
	if got := endpoint.Classify(context.Background(), nil, err); got.Kind != endpoint.DependencyFailure {
		t.Errorf("Classify of DeadlineExceeded for a caller with time = %v, want dependency_failure", got)
	}
}
