package handler

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/metrics/instrument"
	kithttp "github.com/endpointkit/kit/transport/http"
	"github.com/endpointkit/kit/transport/internal/accesslog"
)

// Metrics returns net/http middleware that records every request into m
// (a counter and a duration histogram labelled by method, [Route] and
// status code; see package metrics/instrument for the names):
//
//	m, err := kitprom.NewHTTPServerMetrics(reg, nil) // http_requests_total, http_request_duration_seconds
//	mux.Handle("GET /items/{id}", handler.Metrics(m)(items))
//
// Wrapping each route's handler, or the whole ServeMux, gives the same
// labels: the route is read once the handler has returned. The status is
// the one written; when something inside wrote nothing and failed (a
// panic), it is the status transport/http's DefaultErrorEncoder writes for
// the error. It is Middleware(MetricsMiddleware(m)).
func Metrics(m *instrument.HTTP) func(http.Handler) http.Handler {
	return Middleware(MetricsMiddleware(m))
}

// MetricsMiddleware is the endpoint middleware [Metrics] runs, to compose
// with others in one adapter (one request value, one recorder):
//
//	handler.Middleware(endpoint.Chain(handler.MetricsMiddleware(m), limit, breaker.Middleware))
//
// Outside a limiter or breaker, it records their refusals with the status
// DefaultErrorEncoder writes for them (429); with another [ErrorEncoder],
// wrap with [Metrics] outside instead, which sees the status written. It
// records nothing for a request value that is not this package's, nor
// with a nil m.
func MetricsMiddleware(m *instrument.HTTP) endpoint.Middleware {
	if m == nil {
		return func(next endpoint.Endpoint) endpoint.Endpoint { return next }
	}
	return func(next endpoint.Endpoint) endpoint.Endpoint {
		return func(ctx context.Context, req any) (any, error) {
			start := time.Now()
			resp, err := next(ctx, req)
			d := time.Since(start)
			if ex, ok := req.(*exchange); ok {
				m.Observe(ex.r.Method, Route(ex.r), ex.status(err), d)
			}
			return resp, err
		}
	}
}

// status returns the status the client receives: the one written, or the
// one the default error encoder writes for err when nothing was.
func (ex *exchange) status(err error) int {
	switch {
	case ex.rec.wrote:
		return ex.rec.resp.Status
	case err != nil:
		return kithttp.StatusOf(err)
	}
	return http.StatusOK
}

// AccessLog returns net/http middleware that logs one line per request to
// logger, a plain *slog.Logger (no kit logger is needed):
//
//	mux.Handle("GET /items/{id}", handler.AccessLog(slog.Default())(items))
//
// The line's message is "http request" and its attributes are method,
// route ([Route]), status, bytes (of body written), duration, outcome (the
// endpoint.Kind name of the request as kit classifies it) and remote (the
// client's address). Its level follows the outcome: Info for a success or
// a business error, Warn for a caller's error (4xx) or an overload refusal
// (429), Error for a dependency failure (5xx): a client sending bad
// requests does not page anyone. A level the logger does not enable costs
// a call to Enabled.
//
// The line is logged with the request's context, so a slog.Handler that
// reads the context adds to it: wrapped with tracing/otel's SlogHandler
// (or tracing/zipkin's), the logger adds trace_id and span_id when a span
// is in the context, that is when the tracing runs outside the access log
// (an otelhttp handler around it, or tracing's TraceEndpoint before
// AccessLogMiddleware in one chain). It is Middleware(AccessLogMiddleware(logger)).
func AccessLog(logger *slog.Logger) func(http.Handler) http.Handler {
	return Middleware(AccessLogMiddleware(logger))
}

// AccessLogMiddleware is the endpoint middleware [AccessLog] runs, to
// compose with others in one adapter. A nil logger logs nothing.
func AccessLogMiddleware(logger *slog.Logger) endpoint.Middleware {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return func(next endpoint.Endpoint) endpoint.Endpoint {
		return func(ctx context.Context, req any) (any, error) {
			start := time.Now()
			resp, err := next(ctx, req)
			d := time.Since(start)
			ex, ok := req.(*exchange)
			if !ok {
				return resp, err
			}
			o := endpoint.Classify(ctx, resp, err)
			level := accesslog.Level(o)
			if !logger.Enabled(ctx, level) {
				return resp, err
			}
			r := ex.r
			logger.LogAttrs(ctx, level, "http request",
				slog.String("method", r.Method),
				slog.String("route", Route(r)),
				slog.Int("status", ex.status(err)),
				slog.Int64("bytes", ex.rec.resp.Bytes),
				slog.Duration("duration", d),
				slog.String("outcome", o.Kind.String()),
				slog.String("remote", r.RemoteAddr),
			)
			return resp, err
		}
	}
}
