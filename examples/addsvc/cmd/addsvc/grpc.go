package main

import (
	"context"
	"fmt"
	"math"
	"runtime/debug"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/status"

	"github.com/endpointkit/kit/log"
	"github.com/endpointkit/kit/log/level"
	kitgrpc "github.com/endpointkit/kit/transport/grpc"
)

// gRPC server limits (grpc-go's defaults in parentheses):
//
//   - maxConcurrentStreams bounds the calls one connection may have open at
//     once (unlimited), so one client cannot take every goroutine;
//   - a connection must finish its handshake within connectionTimeout (120s);
//   - a connection with no call open for the idle timeout is closed
//     (never), and the server pings a connection silent for keepaliveTime
//     (2h) and closes it when no answer comes within keepaliveTimeout (20s),
//     so a vanished peer does not hold its connection for ever;
//   - clients may ping at most every minPingInterval (5m), even with no call
//     open; a client pinging faster is sent GOAWAY, as grpc-go does.
const (
	maxConcurrentStreams = 100
	connectionTimeout    = 10 * time.Second
	keepaliveTime        = time.Minute
	keepaliveTimeout     = 20 * time.Second
	minPingInterval      = 10 * time.Second
)

// grpcServerOptions are the options of the gRPC server: the limits above,
// and interceptors that record the method for kit's handlers and turn a
// panic in any handler (health, reflection, or the service's) into an
// Internal error, logged with its stack, instead of a crash.
func grpcServerOptions(idle time.Duration, logger log.Logger) []grpc.ServerOption {
	if idle <= 0 {
		idle = time.Duration(math.MaxInt64)
	}
	errLogger := level.Error(logger)
	return []grpc.ServerOption{
		grpc.MaxConcurrentStreams(maxConcurrentStreams),
		grpc.ConnectionTimeout(connectionTimeout),
		grpc.KeepaliveParams(keepalive.ServerParameters{
			MaxConnectionIdle: idle,
			Time:              keepaliveTime,
			Timeout:           keepaliveTimeout,
		}),
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: minPingInterval, PermitWithoutStream: true}),
		grpc.ChainUnaryInterceptor(recoverUnary(errLogger), kitgrpc.Interceptor),
		grpc.ChainStreamInterceptor(recoverStream(errLogger)),
	}
}

// recoverUnary turns a panic in a unary handler into codes.Internal.
func recoverUnary(logger log.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
		defer func() {
			if v := recover(); v != nil {
				err = recovered(logger, info.FullMethod, v)
			}
		}()
		return handler(ctx, req)
	}
}

// recoverStream turns a panic in a stream handler into codes.Internal.
func recoverStream(logger log.Logger) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) (err error) {
		defer func() {
			if v := recover(); v != nil {
				err = recovered(logger, info.FullMethod, v)
			}
		}()
		return handler(srv, ss)
	}
}

func recovered(logger log.Logger, method string, v any) error {
	_ = logger.Log("transport", "grpc", "method", method, "err", fmt.Sprintf("panic: %v", v), "stack", string(debug.Stack()))
	return status.Error(codes.Internal, "internal error")
}
