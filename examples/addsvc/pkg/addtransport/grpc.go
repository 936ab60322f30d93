package addtransport

import (
	"context"
	"reflect"

	"google.golang.org/grpc"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/examples/addsvc/pb"
	"github.com/endpointkit/kit/examples/addsvc/pkg/addendpoint"
	"github.com/endpointkit/kit/examples/addsvc/pkg/addservice"
	"github.com/endpointkit/kit/log"
	kitgrpc "github.com/endpointkit/kit/transport/grpc"
)

// grpcServer implements pb.AddServer with one kit Server per method.
type grpcServer struct {
	pb.UnimplementedAddServer
	sum    kitgrpc.Handler
	concat kitgrpc.Handler
}

// NewGRPCServer returns the implementation of pb.AddServer backed by set.
// Errors are logged to logger as the HTTP transport's are (a refusal at
// warn, anything else at error); a call refused by a limiter
// (ratelimit.ErrLimited) fails with codes.ResourceExhausted.
func NewGRPCServer(set addendpoint.Set, logger log.Logger, opts ...Option) pb.AddServer {
	set = mapErrors(set)
	options := append([]kitgrpc.ServerOption{kitgrpc.ServerErrorHandler(errorHandler(logger))},
		newOptions(opts).grpcServer()...)
	return &grpcServer{
		sum:    kitgrpc.NewServer(set.SumEndpoint, decodeGRPCSumRequest, encodeGRPCSumResponse, options...),
		concat: kitgrpc.NewServer(set.ConcatEndpoint, decodeGRPCConcatRequest, encodeGRPCConcatResponse, options...),
	}
}

func (s *grpcServer) Sum(ctx context.Context, req *pb.SumRequest) (*pb.SumReply, error) {
	_, resp, err := s.sum.ServeGRPC(ctx, req)
	if err != nil {
		return nil, err
	}
	return resp.(*pb.SumReply), nil
}

func (s *grpcServer) Concat(ctx context.Context, req *pb.ConcatRequest) (*pb.ConcatReply, error) {
	_, resp, err := s.concat.ServeGRPC(ctx, req)
	if err != nil {
		return nil, err
	}
	return resp.(*pb.ConcatReply), nil
}

// NewGRPCClient returns a Set calling the Add service over conn.
func NewGRPCClient(conn grpc.ClientConnInterface, opts ...Option) addendpoint.Set {
	o := newOptions(opts)
	return addendpoint.Set{
		SumEndpoint: kitgrpc.NewClient(conn, "addsvc.Add", "Sum",
			encodeGRPCSumRequest, decodeGRPCSumReply, &pb.SumReply{}, o.grpcClient("Sum")...).Endpoint(),
		ConcatEndpoint: kitgrpc.NewClient(conn, "addsvc.Add", "Concat",
			encodeGRPCConcatRequest, decodeGRPCConcatReply, &pb.ConcatReply{}, o.grpcClient("Concat")...).Endpoint(),
	}
}

// The conversions below are the only place where protobuf types meet the
// endpoint types. A value of the wrong type (a miswired endpoint) is an
// error, never a panic.

// as asserts v to T, or reports the mismatch as endpoint.TypeError does.
func as[T any](v any) (T, error) {
	t, ok := v.(T)
	if !ok {
		return t, &endpoint.TypeError{Role: "value", Got: reflect.TypeOf(v), Want: reflect.TypeFor[T]()}
	}
	return t, nil
}

func decodeGRPCSumRequest(_ context.Context, req any) (any, error) {
	r, err := as[*pb.SumRequest](req)
	if err != nil {
		return nil, err
	}
	return addendpoint.SumRequest{A: int(r.A), B: int(r.B)}, nil
}

func encodeGRPCSumResponse(_ context.Context, resp any) (any, error) {
	r, err := as[addendpoint.SumResponse](resp)
	if err != nil {
		return nil, err
	}
	return &pb.SumReply{V: int64(r.V), Err: errString(r.Err)}, nil
}

func encodeGRPCSumRequest(_ context.Context, req any) (any, error) {
	r, err := as[addendpoint.SumRequest](req)
	if err != nil {
		return nil, err
	}
	return &pb.SumRequest{A: int64(r.A), B: int64(r.B)}, nil
}

func decodeGRPCSumReply(_ context.Context, reply any) (any, error) {
	r, err := as[*pb.SumReply](reply)
	if err != nil {
		return nil, err
	}
	return addendpoint.SumResponse{V: int(r.V), Err: addservice.FromMessage(r.Err)}, nil
}

func decodeGRPCConcatRequest(_ context.Context, req any) (any, error) {
	r, err := as[*pb.ConcatRequest](req)
	if err != nil {
		return nil, err
	}
	return addendpoint.ConcatRequest{A: r.A, B: r.B}, nil
}

func encodeGRPCConcatResponse(_ context.Context, resp any) (any, error) {
	r, err := as[addendpoint.ConcatResponse](resp)
	if err != nil {
		return nil, err
	}
	return &pb.ConcatReply{V: r.V, Err: errString(r.Err)}, nil
}

func encodeGRPCConcatRequest(_ context.Context, req any) (any, error) {
	r, err := as[addendpoint.ConcatRequest](req)
	if err != nil {
		return nil, err
	}
	return &pb.ConcatRequest{A: r.A, B: r.B}, nil
}

func decodeGRPCConcatReply(_ context.Context, reply any) (any, error) {
	r, err := as[*pb.ConcatReply](reply)
	if err != nil {
		return nil, err
	}
	return addendpoint.ConcatResponse{V: r.V, Err: addservice.FromMessage(r.Err)}, nil
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
