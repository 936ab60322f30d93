package http

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
)

// NopRequestDecoder is a DecodeRequestFunc for endpoints that take no
// request: it returns a nil request and no error. (Go kit's.)
func NopRequestDecoder(context.Context, *http.Request) (any, error) { return nil, nil }

// SetResponseHeader returns a ServerResponseFunc for ServerAfter that sets a
// header on responses. (Go kit's.)
func SetResponseHeader(key, value string) ServerResponseFunc {
	return func(ctx context.Context, w http.ResponseWriter) context.Context {
		w.Header().Set(key, value)
		return ctx
	}
}

// SetContentType returns a ServerResponseFunc for ServerAfter that sets the
// Content-Type header of responses. (Go kit's.)
func SetContentType(contentType string) ServerResponseFunc {
	return SetResponseHeader("Content-Type", contentType)
}

// EncodeXMLRequest is an EncodeRequestFunc that sends request as an XML
// body (Content-Type text/xml). If request implements Headerer, its headers
// are added. (Go kit's.)
func EncodeXMLRequest(_ context.Context, r *http.Request, request any) error {
	b, err := xml.Marshal(request)
	if err != nil {
		return fmt.Errorf("http: encode request: %w", err)
	}
	r.Header.Set("Content-Type", "text/xml; charset=utf-8")
	if h, ok := request.(Headerer); ok {
		for k, vs := range h.Headers() {
			r.Header[k] = append(r.Header[k], vs...)
		}
	}
	r.ContentLength = int64(len(b))
	r.Body = io.NopCloser(bytes.NewReader(b))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	return nil
}
