package grpc_test

import (
	"context"
	"errors"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/endpointkit/kit/endpoint"
	kitgrpc "github.com/endpointkit/kit/transport/grpc"
)

// TestServeGRPCHookPanics checks that a panic in an ErrorHandler or a
// finalizer does not escape ServeGRPC (grpc-go does not recover handler
// panics: one would end the process) and that the call fails with Internal.
func TestServeGRPCHookPanics(t *testing.T) {
	panicking := kitgrpc.ErrorHandlerFunc(func(context.Context, error) { panic("error handler") })
	var handled []error
	recording := kitgrpc.ErrorHandlerFunc(func(_ context.Context, err error) { handled = append(handled, err) })
	for _, tc := range []struct {
		name    string
		input   string // for the upper endpoint: "plain" fails, "panic" panics
		options []kitgrpc.ServerOption
		// wantHandled is how many errors the recording handler, when
		// installed, must have seen.
		wantHandled int
	}{
		{"error handler panics on an endpoint error", "plain", []kitgrpc.ServerOption{kitgrpc.ServerErrorHandler(panicking)}, 0},
		{"error handler panics on an endpoint panic", "panic", []kitgrpc.ServerOption{kitgrpc.ServerErrorHandler(panicking)}, 0},
		{"finalizer panics after a success", "ok", []kitgrpc.ServerOption{
			kitgrpc.ServerErrorHandler(recording),
			kitgrpc.ServerFinalizer(func(context.Context, error) { panic("finalizer") }),
		}, 1},
		{"finalizer and error handler panic", "plain", []kitgrpc.ServerOption{
			kitgrpc.ServerErrorHandler(panicking),
			kitgrpc.ServerFinalizer(func(context.Context, error) { panic("finalizer") }),
		}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			handled = nil
			srv := kitgrpc.NewServer(endpoint.FromFunc(upper), decodeString, encodeString, tc.options...)
			var err error
			func() {
				defer func() {
					if v := recover(); v != nil {
						t.Fatalf("ServeGRPC(%q) panicked: %v", tc.input, v)
					}
				}()
				_, _, err = srv.ServeGRPC(context.Background(), wrapperspb.String(tc.input))
			}()
			if code := status.Code(err); code != codes.Internal {
				t.Errorf("ServeGRPC(%q): err = %v (%v), want Internal", tc.input, err, code)
			}
			if len(handled) != tc.wantHandled {
				t.Errorf("the error handler saw %d errors (%v), want %d", len(handled), handled, tc.wantHandled)
			}
			var pe *kitgrpc.PanicError
			if tc.wantHandled > 0 && !errors.As(handled[0], &pe) {
				t.Errorf("the error handler saw %v, want a *PanicError", handled[0])
			}
		})
	}
}

// TestServerVerboseErrors checks that an error without a status is sent as
// Unknown with a generic message by default, and with its own text under
// ServerVerboseErrors.
func TestServerVerboseErrors(t *testing.T) {
	for _, tc := range []struct {
		options []kitgrpc.ServerOption
		want    string
	}{
		{nil, "unknown error"},
		{[]kitgrpc.ServerOption{kitgrpc.ServerVerboseErrors()}, "boom"},
	} {
		srv := kitgrpc.NewServer(endpoint.FromFunc(upper), decodeString, encodeString, tc.options...)
		_, _, err := srv.ServeGRPC(context.Background(), wrapperspb.String("plain"))
		if st := status.Convert(err); st.Code() != codes.Unknown || st.Message() != tc.want {
			t.Errorf("ServeGRPC(plain) with %d options: %v, want Unknown %q", len(tc.options), err, tc.want)
		}
	}
}
