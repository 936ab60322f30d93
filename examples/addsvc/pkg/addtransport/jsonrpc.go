package addtransport

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/endpointkit/kit/examples/addsvc/pkg/addendpoint"
	"github.com/endpointkit/kit/log"
	"github.com/endpointkit/kit/transport/http/jsonrpc"
)

// NewJSONRPCHandler returns a JSON-RPC 2.0 handler with the methods "sum"
// and "concat", whose params and results are the JSON objects of the
// HTTP/JSON transport. Errors are logged to logger as the HTTP transport's
// are (a caller's bad request and a refusal at warn, anything else at
// error); a call refused by a limiter gets the error code LimitedErrorCode
// and HTTP status 429.
func NewJSONRPCHandler(set addendpoint.Set, logger log.Logger, opts ...Option) http.Handler {
	set = mapErrors(set)
	options := append([]jsonrpc.ServerOption{jsonrpc.ServerErrorHandler(errorHandler(logger)),
		jsonrpc.ServerMaxBodyBytes(64 << 10)}, newOptions(opts).jsonrpcServer()...)
	return jsonrpc.NewServer(jsonrpc.EndpointCodecMap{
		"sum": {
			Endpoint: set.SumEndpoint,
			Decode:   jsonrpc.DecodeParams[addendpoint.SumRequest],
			Encode:   jsonrpc.EncodeResult,
		},
		"concat": {
			Endpoint: set.ConcatEndpoint,
			Decode:   jsonrpc.DecodeParams[addendpoint.ConcatRequest],
			Encode:   jsonrpc.EncodeResult,
		},
	}, options...)
}

// NewJSONRPCClient returns a Set calling the JSON-RPC handler at instance (a
// URL, or host:port for plain http) through client (http.DefaultClient when
// nil).
func NewJSONRPCClient(instance string, client *http.Client, opts ...Option) (addendpoint.Set, error) {
	if !strings.HasPrefix(instance, "http") {
		instance = "http://" + instance
	}
	u, err := url.Parse(instance)
	if err != nil {
		return addendpoint.Set{}, err
	}
	if client == nil {
		client = http.DefaultClient
	}
	o := newOptions(opts)
	return addendpoint.Set{
		SumEndpoint: jsonrpc.NewClient(u, "sum", append([]jsonrpc.ClientOption{jsonrpc.SetClient(client),
			jsonrpc.ClientResponseDecoder(jsonrpc.DecodeResult[addendpoint.SumResponse])}, o.jsonrpcClient("sum")...)...).Endpoint(),
		ConcatEndpoint: jsonrpc.NewClient(u, "concat", append([]jsonrpc.ClientOption{jsonrpc.SetClient(client),
			jsonrpc.ClientResponseDecoder(jsonrpc.DecodeResult[addendpoint.ConcatResponse])}, o.jsonrpcClient("concat")...)...).Endpoint(),
	}, nil
}
