package endpoint_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/endpointkit/kit/endpoint"
)

type sumRequest struct{ A, B int }
type sumResponse struct{ V int }

func sum(_ context.Context, req sumRequest) (sumResponse, error) {
	return sumResponse{V: req.A + req.B}, nil
}

func TestFromFunc(t *testing.T) {
	e := endpoint.FromFunc(sum)
	resp, err := e(context.Background(), sumRequest{A: 2, B: 3})
	if err != nil {
		t.Fatalf("FromFunc(sum)(2, 3): err = %v, want nil", err)
	}
	if resp != (sumResponse{V: 5}) {
		t.Errorf("FromFunc(sum)(2, 3) = %#v, want %#v", resp, sumResponse{V: 5})
	}
}

func TestFromFuncWrongRequest(t *testing.T) {
	tests := []struct {
		name    string
		request any
		got     string // the dynamic type named in the error
	}{
		{"pointer for value", &sumRequest{A: 1}, "*endpoint_test.sumRequest"},
		{"typed nil pointer for value", (*sumRequest)(nil), "*endpoint_test.sumRequest"},
		{"nil interface for value", nil, "nil"},
		{"unrelated type", "1+2", "string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			called := false
			e := endpoint.FromFunc(func(ctx context.Context, req sumRequest) (sumResponse, error) {
				called = true
				return sum(ctx, req)
			})
			resp, err := e(context.Background(), tt.request)
			if !errors.Is(err, endpoint.ErrWrongType) {
				t.Fatalf("err = %v, want ErrWrongType", err)
			}
			if resp != nil {
				t.Errorf("response = %#v, want nil alongside a TypeError", resp)
			}
			if called {
				t.Error("the typed function ran on a request of the wrong type")
			}
			var te *endpoint.TypeError
			if !errors.As(err, &te) {
				t.Fatalf("err = %T, want *endpoint.TypeError", err)
			}
			if te.Role != "request" || te.Want != reflect.TypeFor[sumRequest]() {
				t.Errorf("TypeError{Role: %q, Want: %v}, want {request, sumRequest}", te.Role, te.Want)
			}
			want := "endpoint: request has type " + tt.got + ", want endpoint_test.sumRequest"
			if err.Error() != want {
				t.Errorf("Error() = %q, want %q", err.Error(), want)
			}
		})
	}
}

// TestFromFuncNil covers nil requests for the request types whose zero value
// is nil: they reach the function as that zero value.
func TestFromFuncNil(t *testing.T) {
	t.Run("nil interface for pointer", func(t *testing.T) {
		e := endpoint.FromFunc(func(_ context.Context, req *sumRequest) (bool, error) {
			return req == nil, nil
		})
		if got, err := e(context.Background(), nil); err != nil || got != true {
			t.Errorf("e(nil) = (%v, %v), want (true, nil)", got, err)
		}
	})
	t.Run("typed nil pointer for pointer", func(t *testing.T) {
		e := endpoint.FromFunc(func(_ context.Context, req *sumRequest) (bool, error) {
			return req == nil, nil
		})
		if got, err := e(context.Background(), (*sumRequest)(nil)); err != nil || got != true {
			t.Errorf("e((*sumRequest)(nil)) = (%v, %v), want (true, nil)", got, err)
		}
	})
	t.Run("nil interface for interface", func(t *testing.T) {
		e := endpoint.FromFunc(func(_ context.Context, req fmt.Stringer) (bool, error) {
			return req == nil, nil
		})
		if got, err := e(context.Background(), nil); err != nil || got != true {
			t.Errorf("e(nil) = (%v, %v), want (true, nil)", got, err)
		}
	})
	t.Run("nil interface for slice", func(t *testing.T) {
		e := endpoint.FromFunc(func(_ context.Context, req []int) (int, error) {
			return len(req), nil
		})
		if got, err := e(context.Background(), nil); err != nil || got != 0 {
			t.Errorf("e(nil) = (%v, %v), want (0, nil)", got, err)
		}
	})
	t.Run("value not implementing interface", func(t *testing.T) {
		e := endpoint.FromFunc(func(_ context.Context, req fmt.Stringer) (string, error) {
			return req.String(), nil
		})
		_, err := e(context.Background(), 42)
		if !errors.Is(err, endpoint.ErrWrongType) || !strings.Contains(err.Error(), "want fmt.Stringer") {
			t.Errorf("e(42) err = %v, want a TypeError naming fmt.Stringer", err)
		}
	})
}

func TestToFunc(t *testing.T) {
	errBackend := errors.New("backend down")
	tests := []struct {
		name     string
		response any
		err      error
		want     sumResponse
		wantErr  error
		wrongTyp bool
	}{
		{name: "value", response: sumResponse{V: 5}, want: sumResponse{V: 5}},
		{name: "pointer for value", response: &sumResponse{V: 5}, wrongTyp: true},
		{name: "nil for value", response: nil, wrongTyp: true},
		{name: "error with nil response", err: errBackend, wantErr: errBackend},
		{name: "error with wrong type", response: "oops", err: errBackend, wantErr: errBackend},
		{name: "error with response", response: sumResponse{V: 7}, err: errBackend, want: sumResponse{V: 7}, wantErr: errBackend},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := func(context.Context, any) (any, error) { return tt.response, tt.err }
			got, err := endpoint.ToFunc[sumRequest, sumResponse](e)(context.Background(), sumRequest{})
			switch {
			case tt.wrongTyp:
				var te *endpoint.TypeError
				if !errors.As(err, &te) || te.Role != "response" || !errors.Is(err, endpoint.ErrWrongType) {
					t.Errorf("err = %v, want a response TypeError wrapping ErrWrongType", err)
				}
			case !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil):
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("response = %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestToFuncNilResponse(t *testing.T) {
	e := func(context.Context, any) (any, error) { return nil, nil }
	got, err := endpoint.ToFunc[sumRequest, *sumResponse](e)(context.Background(), sumRequest{})
	if err != nil || got != nil {
		t.Errorf("ToFunc[*sumResponse] of a nil response = (%v, %v), want (nil, nil)", got, err)
	}
}

func TestToFuncPassesRequest(t *testing.T) {
	var seen any
	e := func(_ context.Context, req any) (any, error) {
		seen = req
		return sumResponse{}, nil
	}
	call := endpoint.ToFunc[*sumRequest, sumResponse](e)
	if _, err := call(context.Background(), nil); err != nil {
		t.Fatalf("call(nil): %v", err)
	}
	// A typed nil pointer stays typed: the server side sees *sumRequest.
	if p, ok := seen.(*sumRequest); !ok || p != nil {
		t.Errorf("endpoint saw %#v, want (*sumRequest)(nil)", seen)
	}
}

func TestTypedRoundTrip(t *testing.T) {
	call := endpoint.ToFunc[sumRequest, sumResponse](endpoint.FromFunc(sum))
	got, err := call(context.Background(), sumRequest{A: 40, B: 2})
	if err != nil || got.V != 42 {
		t.Errorf("round trip Sum(40, 2) = (%v, %v), want ({42}, nil)", got, err)
	}

	// A mismatch between the two sides is reported by the server side, which
	// sees the request first.
	mismatched := endpoint.ToFunc[string, sumResponse](endpoint.FromFunc(sum))
	_, err = mismatched(context.Background(), "40+2")
	var te *endpoint.TypeError
	if !errors.As(err, &te) || te.Role != "request" {
		t.Errorf("mismatched round trip: err = %v, want a request TypeError", err)
	}
}

func TestTypedContextCancellation(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	slow := func(ctx context.Context, _ sumRequest) (sumResponse, error) {
		<-ctx.Done()
		return sumResponse{}, ctx.Err()
	}
	call := endpoint.ToFunc[sumRequest, sumResponse](endpoint.FromFunc(slow))
	if _, err := call(ctx, sumRequest{}); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}
