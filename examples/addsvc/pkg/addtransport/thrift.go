package addtransport

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/apache/thrift/lib/go/thrift"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/examples/addsvc/addthrift"
	"github.com/endpointkit/kit/examples/addsvc/pkg/addendpoint"
	"github.com/endpointkit/kit/examples/addsvc/pkg/addservice"
	"github.com/endpointkit/kit/log"
	"github.com/endpointkit/kit/ratelimit"
	kitthrift "github.com/endpointkit/kit/transport/thrift"
)

// thriftServer implements addthrift.Add with one kit Server per method.
type thriftServer struct {
	sum    kitthrift.Handler
	concat kitthrift.Handler
}

// NewThriftServer returns the implementation of addthrift.Add backed by set,
// to serve with addthrift.NewAddProcessor and a kitthrift.ConnServer. Errors
// are logged to logger by kit's log error handler (a refusal by a limiter
// at level warn); a refusal raises the declared exception addthrift.Limited.
// Business errors travel in the replies' err fields.
func NewThriftServer(set addendpoint.Set, logger log.Logger, opts ...Option) addthrift.Add {
	set = set.Wrap(func(string) endpoint.Middleware { return limitedToThrift })
	options := append([]kitthrift.ServerOption{kitthrift.ServerErrorHandler(errorHandler(logger))},
		newOptions(opts).thriftServer()...)
	return &thriftServer{
		sum:    kitthrift.NewServer(set.SumEndpoint, decodeThriftSumRequest, encodeThriftSumResponse, options...),
		concat: kitthrift.NewServer(set.ConcatEndpoint, decodeThriftConcatRequest, encodeThriftConcatResponse, options...),
	}
}

// thriftLimited is a call refused by a limiter, as the Thrift transport
// says it: the declared exception addthrift.Limited, which the generated
// code sends, wrapping the limiter's error for the logs.
type thriftLimited struct{ err error }

func (e *thriftLimited) Error() string { return e.err.Error() }
func (e *thriftLimited) Unwrap() []error {
	return []error{&addthrift.Limited{Message: "too many requests, try again later"}, e.err}
}

func limitedToThrift(next endpoint.Endpoint) endpoint.Endpoint {
	return func(ctx context.Context, req any) (any, error) {
		resp, err := next(ctx, req)
		if err != nil && errors.Is(err, ratelimit.ErrLimited) {
			return resp, &thriftLimited{err: err}
		}
		return resp, err
	}
}

func (s *thriftServer) Sum(ctx context.Context, a, b int64) (*addthrift.SumReply, error) {
	_, resp, err := s.sum.ServeThrift(ctx, sumArgs{a, b})
	if err != nil {
		return nil, err
	}
	return resp.(*addthrift.SumReply), nil
}

func (s *thriftServer) Concat(ctx context.Context, a, b string) (*addthrift.ConcatReply, error) {
	_, resp, err := s.concat.ServeThrift(ctx, concatArgs{a, b})
	if err != nil {
		return nil, err
	}
	return resp.(*addthrift.ConcatReply), nil
}

// sumArgs and concatArgs gather a generated method's arguments for the
// request decoders.
type (
	sumArgs    struct{ a, b int64 }
	concatArgs struct{ a, b string }
)

func decodeThriftSumRequest(_ context.Context, req any) (any, error) {
	r, err := as[sumArgs](req)
	if err != nil {
		return nil, err
	}
	return addendpoint.SumRequest{A: int(r.a), B: int(r.b)}, nil
}

func encodeThriftSumResponse(_ context.Context, resp any) (any, error) {
	r, err := as[addendpoint.SumResponse](resp)
	if err != nil {
		return nil, err
	}
	return &addthrift.SumReply{V: int64(r.V), Err: errString(r.Err)}, nil
}

func decodeThriftConcatRequest(_ context.Context, req any) (any, error) {
	r, err := as[concatArgs](req)
	if err != nil {
		return nil, err
	}
	return addendpoint.ConcatRequest{A: r.a, B: r.b}, nil
}

func encodeThriftConcatResponse(_ context.Context, resp any) (any, error) {
	r, err := as[addendpoint.ConcatResponse](resp)
	if err != nil {
		return nil, err
	}
	return &addthrift.ConcatReply{V: r.V, Err: errString(r.Err)}, nil
}

// NewThriftClient returns a Set calling the Add service at addr ("host:port")
// over Thrift, and the Closer of its connection pools. A refusal by the
// server's limiter (addthrift.Limited) comes back as an error wrapping
// ratelimit.ErrLimited, classified as a retryable Overload.
func NewThriftClient(addr string, options ...kitthrift.ClientOption) (addendpoint.Set, io.Closer) {
	return NewThriftClientWith(addr, nil, options...)
}

// NewThriftClientWith is NewThriftClient with this package's options
// (WithTracing) besides the Thrift client's.
func NewThriftClientWith(addr string, opts []Option, options ...kitthrift.ClientOption) (addendpoint.Set, io.Closer) {
	o := newOptions(opts)
	options = options[:len(options):len(options)]
	sum := kitthrift.NewClient(addr, callThriftSum, append(options, o.thriftClient("Sum")...)...)
	concat := kitthrift.NewClient(addr, callThriftConcat, append(options, o.thriftClient("Concat")...)...)
	set := addendpoint.Set{SumEndpoint: sum.Endpoint(), ConcatEndpoint: concat.Endpoint()}
	return set, closers{sum, concat}
}

type closers []io.Closer

func (cs closers) Close() error {
	var errs []error
	for _, c := range cs {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}

func callThriftSum(ctx context.Context, c thrift.TClient, req any) (any, error) {
	r, err := as[addendpoint.SumRequest](req)
	if err != nil {
		return nil, err
	}
	reply, err := addthrift.NewAddClient(c).Sum(ctx, int64(r.A), int64(r.B))
	if err != nil {
		return nil, fromThriftError(err)
	}
	return addendpoint.SumResponse{V: int(reply.V), Err: addservice.FromMessage(reply.Err)}, nil
}

func callThriftConcat(ctx context.Context, c thrift.TClient, req any) (any, error) {
	r, err := as[addendpoint.ConcatRequest](req)
	if err != nil {
		return nil, err
	}
	reply, err := addthrift.NewAddClient(c).Concat(ctx, r.A, r.B)
	if err != nil {
		return nil, fromThriftError(err)
	}
	return addendpoint.ConcatResponse{V: reply.V, Err: addservice.FromMessage(reply.Err)}, nil
}

// fromThriftError turns the declared exception into kit's limiter error.
func fromThriftError(err error) error {
	var l *addthrift.Limited
	if errors.As(err, &l) {
		return endpoint.WithOutcome(fmt.Errorf("%w: %s", ratelimit.ErrLimited, l.Message),
			endpoint.Outcome{Kind: endpoint.Overloaded, Retryable: true})
	}
	return err
}
