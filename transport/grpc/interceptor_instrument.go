package grpc

import (
	"context"
	"log/slog"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/peer"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/metrics/instrument"
	"github.com/endpointkit/kit/transport/internal/accesslog"
)

// ServerMetrics returns a middleware for [UnaryServerInterceptor] and
// [StreamServerInterceptor] that records every call into m (a counter and
// a duration histogram labelled by call type, service, method and status
// code; see package metrics/instrument for the names):
//
//	m, err := kitprom.NewGRPCServerMetrics(reg, nil) // grpc_server_handled_total, grpc_server_handling_seconds
//	grpc.NewServer(
//		grpc.ChainUnaryInterceptor(kitgrpc.UnaryServerInterceptor(kitgrpc.ServerMetrics(m))),
//		grpc.ChainStreamInterceptor(kitgrpc.StreamServerInterceptor(kitgrpc.ServerMetrics(m))),
//	)
//
// The code is the one the client receives: the handler's, or [StatusOf]
// of an error a middleware inside this one returned (ResourceExhausted for
// a limiter's refusal). A stream is recorded once, when it ends. It records
// nothing for a request value that is not a [*ServerCall], nor with a nil
// m.
func ServerMetrics(m *instrument.RPC) endpoint.Middleware {
	if m == nil {
		return func(next endpoint.Endpoint) endpoint.Endpoint { return next }
	}
	return func(next endpoint.Endpoint) endpoint.Endpoint {
		return func(ctx context.Context, req any) (any, error) {
			start := time.Now()
			resp, err := next(ctx, req)
			d := time.Since(start)
			if call, ok := req.(*ServerCall); ok {
				m.Observe(call.Type(), call.FullMethod, uint32(codeOf(err)), d)
			}
			return resp, err
		}
	}
}

// codeOf returns the code the client receives for err.
func codeOf(err error) codes.Code {
	if err == nil {
		return codes.OK
	}
	return StatusOf(err).Code()
}

// ServerAccessLog returns a middleware for [UnaryServerInterceptor] and
// [StreamServerInterceptor] that logs one line per call to logger, a plain
// *slog.Logger:
//
//	grpc.ChainUnaryInterceptor(kitgrpc.UnaryServerInterceptor(kitgrpc.ServerAccessLog(slog.Default())))
//
// The line's message is "grpc call" and its attributes are method (the full
// method name), type ([ServerCall.Type]), code (the status code's name),
// duration, outcome (the endpoint.Kind name of the call as kit classifies
// it) and peer (the client's address). Its level follows the outcome as
// transport/http/handler's AccessLog does: Info for a success or a
// business error, Warn for a caller's error or an overload refusal, Error
// for a dependency failure. The line is logged with the call's context, so tracing/otel's
// SlogHandler adds trace_id and span_id when a span is in it (tracing
// outside the access log). A nil logger logs nothing.
func ServerAccessLog(logger *slog.Logger) endpoint.Middleware {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return func(next endpoint.Endpoint) endpoint.Endpoint {
		return func(ctx context.Context, req any) (any, error) {
			start := time.Now()
			resp, err := next(ctx, req)
			d := time.Since(start)
			call, ok := req.(*ServerCall)
			if !ok {
				return resp, err
			}
			o := endpoint.Classify(ctx, resp, err)
			level := accesslog.Level(o)
			if !logger.Enabled(ctx, level) {
				return resp, err
			}
			remote := ""
			if p, ok := peer.FromContext(ctx); ok && p.Addr != nil {
				remote = p.Addr.String()
			}
			logger.LogAttrs(ctx, level, "grpc call",
				slog.String("method", call.FullMethod),
				slog.String("type", call.Type()),
				slog.String("code", codeOf(err).String()),
				slog.Duration("duration", d),
				slog.String("outcome", o.Kind.String()),
				slog.String("peer", remote),
			)
			return resp, err
		}
	}
}
