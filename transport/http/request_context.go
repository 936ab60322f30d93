package http

import (
	"context"
	"net/http"
)

// RequestInfo describes the HTTP request a server is handling. It is put
// into the context by PopulateRequestContext and read with
// RequestInfoFromContext.
type RequestInfo struct {
	Method        string
	URI           string // as received (r.RequestURI)
	Path          string
	Proto         string
	Host          string
	RemoteAddr    string
	Header        http.Header // the request's header; treat as read-only
	ContentLength int64
}

type requestInfoKey struct{}

// PopulateRequestContext is a RequestFunc for ServerBefore that stores a
// RequestInfo describing r in the context, in one allocation.
func PopulateRequestContext(ctx context.Context, r *http.Request) context.Context {
	return context.WithValue(ctx, requestInfoKey{}, &RequestInfo{
		Method:        r.Method,
		URI:           r.RequestURI,
		Path:          r.URL.Path,
		Proto:         r.Proto,
		Host:          r.Host,
		RemoteAddr:    r.RemoteAddr,
		Header:        r.Header,
		ContentLength: r.ContentLength,
	})
}

// RequestInfoFromContext returns the RequestInfo stored by
// PopulateRequestContext, and whether there was one.
func RequestInfoFromContext(ctx context.Context) (*RequestInfo, bool) {
	ri, ok := ctx.Value(requestInfoKey{}).(*RequestInfo)
	return ri, ok
}

// SetRequestHeader returns a RequestFunc for ClientBefore that sets a
// header on outgoing requests.
func SetRequestHeader(key, value string) RequestFunc {
	return func(ctx context.Context, r *http.Request) context.Context {
		r.Header.Set(key, value)
		return ctx
	}
}
