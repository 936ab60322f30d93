package endpoint_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/endpointkit/kit/endpoint"
)

// trace returns a Middleware that records name before and after next runs.
func trace(name string, log *[]string) endpoint.Middleware {
	return func(next endpoint.Endpoint) endpoint.Endpoint {
		return func(ctx context.Context, req any) (any, error) {
			*log = append(*log, name+" in")
			defer func() { *log = append(*log, name+" out") }()
			return next(ctx, req)
		}
	}
}

func TestChainOrder(t *testing.T) {
	var log []string
	inner := func(ctx context.Context, req any) (any, error) {
		log = append(log, "endpoint")
		return req, nil
	}
	e := endpoint.Chain(trace("first", &log), trace("second", &log), trace("third", &log))(inner)
	if _, err := e(context.Background(), "req"); err != nil {
		t.Fatalf("chained endpoint: err = %v, want nil", err)
	}
	want := []string{"first in", "second in", "third in", "endpoint", "third out", "second out", "first out"}
	if !slices.Equal(log, want) {
		t.Errorf("call order = %q, want %q", log, want)
	}
}

func TestChainSingle(t *testing.T) {
	var log []string
	e := endpoint.Chain(trace("only", &log))(endpoint.Nop)
	resp, err := e(context.Background(), nil)
	if err != nil || resp != struct{}{} {
		t.Errorf("Chain(only)(Nop) = (%v, %v), want ({}, nil)", resp, err)
	}
	if want := []string{"only in", "only out"}; !slices.Equal(log, want) {
		t.Errorf("call order = %q, want %q", log, want)
	}
}

// TestChainReusable checks that a composed Middleware can wrap several
// endpoints without the compositions sharing state.
func TestChainReusable(t *testing.T) {
	var log []string
	mw := endpoint.Chain(trace("a", &log), trace("b", &log))
	one := mw(func(context.Context, any) (any, error) { return 1, nil })
	two := mw(func(context.Context, any) (any, error) { return 2, nil })
	for i, e := range []endpoint.Endpoint{one, two, one} {
		want := []int{1, 2, 1}[i]
		if got, _ := e(context.Background(), nil); got != want {
			t.Errorf("call %d: got %v, want %d", i, got, want)
		}
	}
	if len(log) != 12 {
		t.Errorf("len(log) = %d after three calls through two middlewares, want 12", len(log))
	}
}

func TestChainPropagatesErrors(t *testing.T) {
	errBackend := errors.New("backend down")
	var log []string
	failing := func(context.Context, any) (any, error) { return nil, errBackend }
	e := endpoint.Chain(trace("outer", &log), trace("inner", &log))(failing)
	if _, err := e(context.Background(), nil); !errors.Is(err, errBackend) {
		t.Errorf("err = %v, want %v", err, errBackend)
	}
	// Every middleware still saw the call unwind.
	if want := []string{"outer in", "inner in", "inner out", "outer out"}; !slices.Equal(log, want) {
		t.Errorf("call order = %q, want %q", log, want)
	}
}

func TestChainShortCircuit(t *testing.T) {
	errRejected := errors.New("rejected")
	reject := func(endpoint.Endpoint) endpoint.Endpoint {
		return func(context.Context, any) (any, error) { return nil, errRejected }
	}
	called := false
	e := endpoint.Chain(reject)(func(context.Context, any) (any, error) {
		called = true
		return nil, nil
	})
	if _, err := e(context.Background(), nil); !errors.Is(err, errRejected) {
		t.Errorf("err = %v, want %v", err, errRejected)
	}
	if called {
		t.Error("endpoint ran behind a middleware that rejected the call")
	}
}

func TestChainPassesContextCancellation(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	errGone := errors.New("caller went away")
	cancel(errGone)

	// The endpoint honours its context, as every Endpoint should; the chain
	// must deliver the caller's context, cause included, unchanged.
	honour := func(ctx context.Context, _ any) (any, error) {
		<-ctx.Done()
		return nil, context.Cause(ctx)
	}
	var log []string
	e := endpoint.Chain(trace("a", &log), trace("b", &log))(honour)
	if _, err := e(ctx, nil); !errors.Is(err, errGone) {
		t.Errorf("err = %v, want the cancellation cause %v", err, errGone)
	}
}

type response struct{ err error }

func (r response) Failed() error { return r.err }

func TestFailer(t *testing.T) {
	errOverflow := errors.New("overflow")
	var resp any = response{err: errOverflow}
	f, ok := resp.(endpoint.Failer)
	if !ok {
		t.Fatal("response does not implement Failer")
	}
	if !errors.Is(f.Failed(), errOverflow) {
		t.Errorf("Failed() = %v, want %v", f.Failed(), errOverflow)
	}
}
