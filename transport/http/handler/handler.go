package handler

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"

	"github.com/endpointkit/kit/endpoint"
	kithttp "github.com/endpointkit/kit/transport/http"
)

// ErrCalledTwice is returned to a middleware that calls the handler's
// Endpoint a second time for one request; the handler is not run again,
// since its response has been written already.
var ErrCalledTwice = errors.New("handler: the handler was called twice for one request")

// errDeadline is what the handler's Endpoint returns when the handler
// returned at its context's deadline without writing anything: the adapter
// writes it (504 Gateway Timeout, as for any deadline), and it classifies
// as a timeout.
var errDeadline = fmt.Errorf("handler: the deadline passed before the handler answered: %w", context.DeadlineExceeded)

// Option configures [Middleware].
type Option func(*config)

type config struct {
	errorEncoder kithttp.ErrorEncoder
	before       []kithttp.RequestFunc
}

// Before adds functions run on each request before the middleware, in
// order, as a transport/http Server's ServerBefore functions run: the
// context they return is the one the middleware receives (and, through
// it, the handler). auth/jwt's and auth/mtls's HTTPToContext are such
// functions.
func Before(before ...kithttp.RequestFunc) Option {
	return func(c *config) { c.before = append(c.before, before...) }
}

// ErrorEncoder sets how an error the middleware returns is written when
// nothing has been written to the response yet (a limiter's or a breaker's
// refusal). By default transport/http's DefaultErrorEncoder writes it.
func ErrorEncoder(ee kithttp.ErrorEncoder) Option {
	return func(c *config) {
		if ee != nil {
			c.errorEncoder = ee
		}
	}
}

// Middleware returns net/http middleware that runs mw around each request,
// with the wrapped handler as the Endpoint mw calls (see the package doc for
// what mw sees and what is written when it refuses). mw is applied once per
// wrapped handler, not per request. The handler it returns is safe for
// concurrent use when mw and the wrapped handler are.
func Middleware(mw endpoint.Middleware, opts ...Option) func(http.Handler) http.Handler {
	cfg := config{errorEncoder: kithttp.DefaultErrorEncoder}
	for _, o := range opts {
		o(&cfg)
	}
	return func(next http.Handler) http.Handler {
		ep := mw(serve(next))
		ee, before := cfg.errorEncoder, cfg.before
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ex := &exchange{r: r}
			ex.rec.ResponseWriter = w
			ctx := r.Context()
			for _, f := range before {
				ctx = f(ctx, r)
			}
			_, err := ep(ctx, ex)
			if ex.panic != nil {
				panic(ex.panic.Value)
			}
			if err != nil && !ex.rec.wrote {
				ee(ctx, err, w)
			}
		})
	}
}

// Response is what the handler's Endpoint returns to the middleware: the
// status the handler answered with and the bytes of body it wrote. A
// metrics or logging middleware reads it with a type assertion on the
// Endpoint's response (*handler.Response).
type Response struct {
	// Status is the status written: the first final (non-1xx) status, 200
	// when the handler wrote a body or flushed without one, or nothing at
	// all (net/http then sends 200), and 101 when it hijacked the
	// connection before writing a status.
	Status int
	// Bytes is the number of body bytes written through the writer the
	// handler received (not counting what a hijacked connection carried).
	Bytes int64
}

// exchange is the request value the middleware sees, and what the Endpoint
// reports back through.
type exchange struct {
	rec    recorder
	r      *http.Request
	panic  *kithttp.PanicError // the handler's panic, re-raised after the middleware
	called bool
}

// serve returns the Endpoint that runs next for one exchange.
func serve(next http.Handler) endpoint.Endpoint {
	return func(ctx context.Context, request any) (any, error) {
		ex, ok := request.(*exchange)
		if !ok {
			return nil, fmt.Errorf("handler: the middleware passed on a %T instead of the request value it received; the handler was not run", request)
		}
		if ex.called {
			return nil, ErrCalledTwice
		}
		ex.called = true
		r := ex.r
		if ctx != r.Context() {
			r = r.WithContext(ctx)
		}
		err := ex.run(next, r)
		if r != ex.r && ex.r.Pattern == "" {
			// A ServeMux inside set the pattern on the copy; Route reads
			// the request the adapter received.
			ex.r.Pattern = r.Pattern
		}
		resp := &ex.rec.resp
		if resp.Status == 0 {
			resp.Status = http.StatusOK // as net/http sends it
		}
		if err != nil {
			return resp, err
		}
		if !ex.rec.wrote && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			// The handler gave up at its deadline (a Timeout's, the
			// caller's) without answering: net/http would send an empty
			// 200, which a client would take for a success.
			return resp, errDeadline
		}
		if resp.Status >= 400 {
			return resp, statusError(resp.Status)
		}
		return resp, nil
	}
}

// run serves r, recovering a panic into a *PanicError that the middleware
// sees; the adapter panics again with the value once the middleware returns.
func (ex *exchange) run(next http.Handler, r *http.Request) (err error) {
	defer func() {
		if v := recover(); v != nil {
			ex.panic = &kithttp.PanicError{Value: v, Stack: debug.Stack()}
			err = ex.panic
		}
	}()
	next.ServeHTTP(&ex.rec, r)
	return nil
}
