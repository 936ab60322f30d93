package http

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/endpointkit/kit/endpoint"
)

// EncodeRequestFunc writes a request object into an outgoing HTTP request,
// typically its body and headers.
type EncodeRequestFunc func(context.Context, *http.Request, any) error

// DecodeResponseFunc extracts a response object from an HTTP response. It
// receives every response whatever its status; see [ErrorFromResponse].
type DecodeResponseFunc func(context.Context, *http.Response) (response any, err error)

// ClientResponseFunc may take information from an HTTP response and put it
// into the context, after the response is received and before it is decoded.
type ClientResponseFunc func(context.Context, *http.Response) context.Context

// ClientFinalizerFunc is called at the end of every client call, with the
// call's error (nil on success).
type ClientFinalizerFunc func(ctx context.Context, err error)

// HTTPClient is what a Client sends requests with; *http.Client is one.
type HTTPClient interface {
	Do(*http.Request) (*http.Response, error)
}

// Client wraps a remote HTTP method as an Endpoint. It is safe for
// concurrent use; its zero value is not usable, build one with NewClient.
type Client struct {
	client    HTTPClient
	method    string
	tgt       *url.URL
	enc       EncodeRequestFunc
	dec       DecodeResponseFunc
	before    []RequestFunc
	after     []ClientResponseFunc
	finalizer []ClientFinalizerFunc
	buffered  bool
	noTimeout bool
	maxResp   int64
	now       func() time.Time
	drainers  sync.Pool // of *io.LimitedReader
	limiters  sync.Pool // of *limitedResponse
}

// ClientOption sets an optional parameter of a Client.
type ClientOption func(*Client)

// NewClient returns a Client that sends method requests to tgt, encoding the
// request object with enc and decoding the response with dec. tgt is copied.
func NewClient(method string, tgt *url.URL, enc EncodeRequestFunc, dec DecodeResponseFunc, options ...ClientOption) *Client {
	u := *tgt
	c := &Client{
		client:  http.DefaultClient,
		method:  method,
		tgt:     &u,
		enc:     enc,
		dec:     dec,
		now:     time.Now,
		maxResp: DefaultMaxResponseBytes,
	}
	c.limiters.New = func() any { return new(limitedResponse) }
	for _, o := range options {
		o(c)
	}
	return c
}

// SetClient sets the HTTPClient used to send requests. By default,
// http.DefaultClient is used (which reuses connections).
func SetClient(client HTTPClient) ClientOption {
	return func(c *Client) { c.client = client }
}

// ClientBefore adds functions run on the outgoing request after it is
// encoded, in order; they typically set headers from the context.
func ClientBefore(before ...RequestFunc) ClientOption {
	return func(c *Client) { c.before = append(c.before, before...) }
}

// ClientAfter adds functions run on the response before it is decoded.
func ClientAfter(after ...ClientResponseFunc) ClientOption {
	return func(c *Client) { c.after = append(c.after, after...) }
}

// ClientFinalizer adds functions run at the end of every call.
func ClientFinalizer(f ...ClientFinalizerFunc) ClientOption {
	return func(c *Client) { c.finalizer = append(c.finalizer, f...) }
}

// BufferedStream leaves the response body open after decoding, for decoders
// that return a response streaming from it (an io.Reader). The caller must
// then read it to the end and close it; the call's context stays live until
// then. By default the Client drains and closes the body after decoding, so
// the connection is reused.
func BufferedStream(buffered bool) ClientOption {
	return func(c *Client) { c.buffered = buffered }
}

// DefaultMaxResponseBytes is how much of a response body a Client lets its
// decoder read unless ClientMaxResponseBytes says otherwise: 4 MiB, gRPC's
// default message limit.
const DefaultMaxResponseBytes = 4 << 20

// ErrResponseTooLarge is wrapped by the decoder's error when a response
// body is longer than the Client's limit.
var ErrResponseTooLarge = errors.New("http: response body too large")

// ClientMaxResponseBytes limits how much of a response body the decoder may
// read; past it, reads fail with an error wrapping ErrResponseTooLarge, so a
// server sending an endless or huge body costs the client no more than n
// bytes. Zero or less means no limit. The default is
// DefaultMaxResponseBytes. A BufferedStream body is not limited: the caller
// reads it.
func ClientMaxResponseBytes(n int64) ClientOption {
	return func(c *Client) { c.maxResp = n }
}

// ClientNoTimeoutHeader stops the Client from sending TimeoutHeader.
func ClientNoTimeoutHeader() ClientOption {
	return func(c *Client) { c.noTimeout = true }
}

// maxDrain bounds how much of an undecoded body is read to reuse the
// connection; past it, closing the connection is cheaper.
const maxDrain = 256 << 10

// Endpoint returns an Endpoint that calls the remote method.
func (c *Client) Endpoint() endpoint.Endpoint {
	return func(ctx context.Context, request any) (response any, err error) {
		if len(c.finalizer) > 0 {
			defer func() {
				for _, f := range c.finalizer {
					f(ctx, err)
				}
			}()
		}
		req, err := http.NewRequestWithContext(ctx, c.method, "", nil)
		if err != nil {
			return nil, err
		}
		*req.URL = *c.tgt // reuse the URL NewRequest allocated
		req.Host = c.tgt.Host
		if err := c.enc(ctx, req, request); err != nil {
			return nil, err
		}
		if !c.noTimeout {
			setTimeout(ctx, req.Header, c.now)
		}
		for _, f := range c.before {
			ctx = f(ctx, req)
		}

		resp, err := c.client.Do(req)
		if err != nil {
			return nil, err
		}
		if !c.buffered {
			body := resp.Body
			if c.maxResp > 0 {
				lb := c.limiters.Get().(*limitedResponse)
				*lb = limitedResponse{r: body, n: c.maxResp}
				resp.Body = lb
				defer c.limiters.Put(lb)
			}
			defer func() {
				c.drain(body)
			}()
		}
		for _, f := range c.after {
			ctx = f(ctx, resp)
		}
		return c.dec(ctx, resp)
	}
}

// drain reads what the decoder left of body, up to maxDrain, so that the
// connection can be reused, and closes it.
func (c *Client) drain(body io.ReadCloser) {
	lr, _ := c.drainers.Get().(*io.LimitedReader)
	if lr == nil {
		lr = new(io.LimitedReader)
	}
	lr.R, lr.N = body, maxDrain
	_, _ = io.Copy(io.Discard, lr)
	lr.R = nil
	c.drainers.Put(lr)
	_ = body.Close()
}

// limitedResponse lets a decoder read at most n more bytes of a response
// body; past that, reads fail with ErrResponseTooLarge. Close is left to the
// Client, which drains and closes the body itself.
type limitedResponse struct {
	r   io.Reader
	n   int64
	err error // sticky
}

func (b *limitedResponse) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if len(p) == 0 {
		return 0, nil
	}
	// Ask for one byte more than is left, to tell a body of exactly the
	// limit from a longer one.
	if int64(len(p)) > b.n+1 {
		p = p[:b.n+1]
	}
	n, err := b.r.Read(p)
	if int64(n) <= b.n {
		b.n -= int64(n)
		b.err = err
		return n, err
	}
	n, b.n = int(b.n), 0
	b.err = ErrResponseTooLarge
	return n, b.err
}

func (b *limitedResponse) Close() error { return nil }
