package addtransport

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/endpointkit/kit/examples/addsvc/pkg/addendpoint"
	"github.com/endpointkit/kit/log"
	kithttp "github.com/endpointkit/kit/transport/http"
)

// NewHTTPHandler returns a handler serving POST /sum and POST /concat, each
// taking and returning a JSON object (see addendpoint). Errors are logged to
// logger by transport.NewLogErrorHandler: a caller's bad request and a call
// refused by a limiter (ratelimit.ErrLimited, answered 429 Too Many Requests
// with Retry-After) at level warn, anything else at level error. Unknown paths (404) and
// methods (405) are answered in JSON too.
func NewHTTPHandler(set addendpoint.Set, logger log.Logger, opts ...Option) http.Handler {
	set = mapErrors(set)
	options := []kithttp.ServerOption{
		kithttp.ServerErrorHandler(errorHandler(logger)),
		kithttp.ServerMaxBodyBytes(64 << 10),
	}
	options = append(options, newOptions(opts).httpServer()...)
	mux := http.NewServeMux()
	mux.Handle("POST /sum", kithttp.NewServer(set.SumEndpoint,
		kithttp.DecodeJSONRequest[addendpoint.SumRequest], kithttp.EncodeJSONResponse, options...))
	mux.Handle("POST /concat", kithttp.NewServer(set.ConcatEndpoint,
		kithttp.DecodeJSONRequest[addendpoint.ConcatRequest], kithttp.EncodeJSONResponse, options...))
	// The mux's own 404 and 405 are JSON too, like every other error.
	return kithttp.JSONErrors(mux)
}

// NewHTTPClient returns a Set calling the HTTP handler at instance (a URL,
// or host:port for plain http) through client (http.DefaultClient when nil).
func NewHTTPClient(instance string, client *http.Client, opts ...Option) (addendpoint.Set, error) {
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
	at := func(path string) *url.URL {
		v := *u
		v.Path = strings.TrimSuffix(v.Path, "/") + path
		return &v
	}
	options := append([]kithttp.ClientOption{kithttp.SetClient(client)}, newOptions(opts).httpClient()...)
	return addendpoint.Set{
		SumEndpoint: kithttp.NewClient(http.MethodPost, at("/sum"), kithttp.EncodeJSONRequest,
			kithttp.DecodeJSONResponse[addendpoint.SumResponse], options...).Endpoint(),
		ConcatEndpoint: kithttp.NewClient(http.MethodPost, at("/concat"), kithttp.EncodeJSONRequest,
			kithttp.DecodeJSONResponse[addendpoint.ConcatResponse], options...).Endpoint(),
	}, nil
}
