package endpoint

import (
	"context"
	"errors"
	"reflect"
)

// ErrWrongType is wrapped by every [*TypeError], so callers can test for a
// type mismatch with errors.Is without caring about the types involved.
var ErrWrongType = errors.New("endpoint: wrong type")

// TypeError reports a request or response whose dynamic type is not the one a
// typed helper expected. It is a programming error (an Endpoint wired to the
// wrong decoder, say), reported as a value rather than a panic so that a
// transport can answer it and keep serving.
type TypeError struct {
	// Role is "request" or "response".
	Role string
	// Got is the dynamic type received; nil when the value was a nil interface.
	Got reflect.Type
	// Want is the type the helper was instantiated with.
	Want reflect.Type
}

// Error names both types, for example
// "endpoint: request has type *addsvc.SumRequest, want addsvc.SumRequest".
func (e *TypeError) Error() string {
	got := "nil"
	if e.Got != nil {
		got = e.Got.String()
	}
	return "endpoint: " + e.Role + " has type " + got + ", want " + e.Want.String()
}

// Unwrap returns [ErrWrongType].
func (e *TypeError) Unwrap() error { return ErrWrongType }

// FromFunc returns an Endpoint that calls f with the request asserted to Req.
//
// A request of another dynamic type makes the Endpoint return a [*TypeError]
// without calling f. A nil request is passed to f as the zero Req when Req is
// a pointer, interface, map, slice, channel or function type (the types whose
// zero value is nil) and is a TypeError otherwise. A typed nil pointer of the
// right type is passed through as it is; f decides what it means.
//
// The response is returned as it is, boxed in an interface. Boxing a value
// larger than a pointer allocates; return a pointer from f to avoid that when
// it matters.
func FromFunc[Req, Resp any](f func(context.Context, Req) (Resp, error)) Endpoint {
	want := reflect.TypeFor[Req]()
	nilOK := nilable(want)
	return func(ctx context.Context, request any) (any, error) {
		req, ok := request.(Req)
		if !ok {
			// Either a wrong type or a nil interface; the latter is
			// fine when Req's zero value is itself nil.
			if request != nil || !nilOK {
				return nil, &TypeError{Role: "request", Got: reflect.TypeOf(request), Want: want}
			}
		}
		return f(ctx, req)
	}
}

// ToFunc returns a typed function that calls e and asserts its response to
// Resp. It is the client-side counterpart of [FromFunc]: wrap a transport
// client's Endpoint, or a load balancer's retrying Endpoint, to get a function
// with the service's own signature.
//
// When e returns an error, the function returns it together with the response
// converted to Resp if it has that type, and the zero Resp otherwise. When e
// succeeds with a response of another dynamic type, the function returns a
// [*TypeError]. A nil response is the zero Resp when Resp's zero value is nil
// (see FromFunc) and a TypeError otherwise.
func ToFunc[Req, Resp any](e Endpoint) func(context.Context, Req) (Resp, error) {
	want := reflect.TypeFor[Resp]()
	nilOK := nilable(want)
	return func(ctx context.Context, req Req) (Resp, error) {
		response, err := e(ctx, req)
		resp, ok := response.(Resp)
		if err != nil || ok || (response == nil && nilOK) {
			return resp, err
		}
		return resp, &TypeError{Role: "response", Got: reflect.TypeOf(response), Want: want}
	}
}

// nilable reports whether the zero value of t is nil.
func nilable(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Map, reflect.Slice,
		reflect.Chan, reflect.Func, reflect.UnsafePointer:
		return true
	}
	return false
}
