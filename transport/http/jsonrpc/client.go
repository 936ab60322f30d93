package jsonrpc

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync/atomic"

	"github.com/endpointkit/kit/endpoint"
	kithttp "github.com/endpointkit/kit/transport/http"
)

// EncodeRequestFunc turns a request object into the params of a call.
type EncodeRequestFunc func(ctx context.Context, request any) (params json.RawMessage, err error)

// DecodeResponseFunc turns a response object (with its Result or Error)
// into the value the client Endpoint returns.
type DecodeResponseFunc func(ctx context.Context, resp Response) (response any, err error)

// DecodeResult is a DecodeResponseFunc that returns resp.Error when set,
// and otherwise unmarshals the result into a T, returned as a T.
func DecodeResult[T any](_ context.Context, resp Response) (any, error) {
	if resp.Error != nil {
		return nil, resp.Error
	}
	var v T
	if err := json.Unmarshal(resp.Result, &v); err != nil {
		return nil, fmt.Errorf("jsonrpc: decode result: %w", err)
	}
	return v, nil
}

// Client calls one remote JSON-RPC method as an Endpoint. It is safe for
// concurrent use; its zero value is not usable, build one with NewClient.
type Client struct {
	client    kithttp.HTTPClient
	tgt       *url.URL
	method    string
	enc       EncodeRequestFunc
	dec       DecodeResponseFunc
	before    []kithttp.RequestFunc
	after     []kithttp.ClientResponseFunc
	finalizer []kithttp.ClientFinalizerFunc
	nextID    atomic.Uint64
}

// ClientOption sets an optional parameter of a Client.
type ClientOption func(*Client)

// NewClient returns a Client calling method at tgt. By default the request
// object is marshalled as the params and the response is the raw result (a
// json.RawMessage), an error response being returned as an *Error.
func NewClient(tgt *url.URL, method string, options ...ClientOption) *Client {
	u := *tgt
	c := &Client{
		client: http.DefaultClient,
		tgt:    &u,
		method: method,
		enc:    func(_ context.Context, req any) (json.RawMessage, error) { return json.Marshal(req) },
		dec: func(_ context.Context, resp Response) (any, error) {
			if resp.Error != nil {
				return nil, resp.Error
			}
			return resp.Result, nil
		},
	}
	for _, o := range options {
		o(c)
	}
	return c
}

// SetClient sets the HTTPClient used (http.DefaultClient by default).
func SetClient(client kithttp.HTTPClient) ClientOption {
	return func(c *Client) { c.client = client }
}

// ClientRequestEncoder sets how request objects become params.
func ClientRequestEncoder(enc EncodeRequestFunc) ClientOption {
	return func(c *Client) { c.enc = enc }
}

// ClientResponseDecoder sets how responses are decoded, for example
// DecodeResult[SumResponse].
func ClientResponseDecoder(dec DecodeResponseFunc) ClientOption {
	return func(c *Client) { c.dec = dec }
}

// ClientBefore adds functions run on the outgoing HTTP request.
func ClientBefore(before ...kithttp.RequestFunc) ClientOption {
	return func(c *Client) { c.before = append(c.before, before...) }
}

// ClientAfter adds functions run on the HTTP response before it is decoded.
func ClientAfter(after ...kithttp.ClientResponseFunc) ClientOption {
	return func(c *Client) { c.after = append(c.after, after...) }
}

// ClientFinalizer adds functions run at the end of every call.
func ClientFinalizer(f ...kithttp.ClientFinalizerFunc) ClientOption {
	return func(c *Client) { c.finalizer = append(c.finalizer, f...) }
}

// maxResponse bounds the response body a Client reads.
const maxResponse = 16 << 20

// Endpoint returns an Endpoint that calls the method; each call has a new id.
func (c *Client) Endpoint() endpoint.Endpoint {
	return func(ctx context.Context, request any) (response any, err error) {
		if len(c.finalizer) > 0 {
			defer func() {
				for _, f := range c.finalizer {
					f(ctx, err)
				}
			}()
		}
		params, err := c.enc(ctx, request)
		if err != nil {
			return nil, fmt.Errorf("jsonrpc: encode params: %w", err)
		}
		if bytes.Equal(params, null) {
			params = nil // absent rather than null, which the spec does not allow
		}
		id := json.RawMessage(strconv.AppendUint(nil, c.nextID.Add(1), 10))
		body, err := json.Marshal(Request{JSONRPC: Version, Method: c.method, Params: params, ID: id})
		if err != nil {
			return nil, err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.tgt.String(), bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/json")
		kithttp.SetTimeoutHeader(ctx, req.Header)
		for _, f := range c.before {
			ctx = f(ctx, req)
		}
		hresp, err := c.client.Do(req)
		if err != nil {
			return nil, err
		}
		defer func() {
			_, _ = io.Copy(io.Discard, io.LimitReader(hresp.Body, maxResponse))
			_ = hresp.Body.Close()
		}()
		for _, f := range c.after {
			ctx = f(ctx, hresp)
		}
		b, err := io.ReadAll(io.LimitReader(hresp.Body, maxResponse))
		if err != nil {
			return nil, err
		}
		var resp Response
		if err := json.Unmarshal(b, &resp); err != nil || resp.JSONRPC != Version || (resp.Result == nil && resp.Error == nil) {
			// Not a JSON-RPC response: a proxy's error page, say.
			return nil, &kithttp.ResponseError{Code: hresp.StatusCode, Header: hresp.Header, Body: b}
		}
		if resp.Error == nil && !bytes.Equal(resp.ID, id) {
			return nil, fmt.Errorf("jsonrpc: response id %s, want %s", resp.ID, id)
		}
		response, err = c.dec(ctx, resp)
		if err != nil && resp.Error != nil && (hresp.StatusCode == http.StatusTooManyRequests || hresp.StatusCode == http.StatusGatewayTimeout) {
			// The status says more than the code: the call was shed, or
			// its budget ran out.
			err = &statusError{err: err, status: hresp.StatusCode}
		}
		return response, err
	}
}
