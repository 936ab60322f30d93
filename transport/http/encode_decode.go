package http

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/endpointkit/kit/transport/http/internal/jsonerr"
)

// EncodeJSONRequest is an EncodeRequestFunc that sends request as a JSON
// body. If request implements Headerer, its headers are added.
func EncodeJSONRequest(_ context.Context, r *http.Request, request any) error {
	b, err := json.Marshal(request)
	if err != nil {
		return fmt.Errorf("http: encode request: %w", err)
	}
	r.Header.Set("Content-Type", "application/json; charset=utf-8")
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

// EncodeJSONResponse is an EncodeResponseFunc that writes response as JSON.
// If response implements Headerer its headers are added, and if it
// implements StatusCoder its status is used instead of 200. A nil response
// is written as 204 No Content.
func EncodeJSONResponse(_ context.Context, w http.ResponseWriter, response any) error {
	h := w.Header()
	if hh, ok := response.(Headerer); ok {
		for k, vs := range hh.Headers() {
			h[k] = append(h[k], vs...)
		}
	}
	code := http.StatusOK
	if sc, ok := response.(StatusCoder); ok {
		code = sc.StatusCode()
	}
	if response == nil {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	b, err := json.Marshal(response)
	if err != nil {
		return fmt.Errorf("http: encode response: %w", err)
	}
	h["Content-Type"] = jsonContentType
	w.WriteHeader(code)
	// Two writes into the server's buffer rather than an append that would
	// copy b.
	if _, err = w.Write(b); err != nil {
		return err
	}
	_, err = w.Write(newline)
	return err
}

var newline = []byte{'\n'}

// jsonContentType is shared, read-only: header maps take the slice as is.
var jsonContentType = []string{"application/json; charset=utf-8"}

// DecodeJSONRequest is a DecodeRequestFunc that reads the body as one JSON
// value of type T and returns it as a T (not a *T), ready for an endpoint
// made with endpoint.FromFunc. Use it as DecodeJSONRequest[SumRequest].
//
// A Content-Type that is not JSON (application/json or any type ending in
// +json) is ErrUnsupportedMediaType; a missing one is accepted. An empty
// body, JSON null, malformed or truncated JSON, a value of the wrong type, or
// data after the value are errors (400 Bad Request on a Server), whose
// messages name JSON members and kinds ("request body: field "a": want an
// integer, got string"), never Go types.
func DecodeJSONRequest[T any](_ context.Context, r *http.Request) (any, error) {
	if err := checkJSONContentType(r.Header); err != nil {
		return nil, err
	}
	var v T
	if err := decodeJSON(r.Body, &v, false); err != nil {
		return nil, jsonerr.Rewrite("request body", err)
	}
	return v, nil
}

// DecodeJSONResponse is a DecodeResponseFunc that returns a *ResponseError
// for a non-2xx response (see ErrorFromResponse) and otherwise reads the body
// as one JSON value of type T, returned as a T.
func DecodeJSONResponse[T any](_ context.Context, resp *http.Response) (any, error) {
	if err := ErrorFromResponse(resp); err != nil {
		return nil, err
	}
	var v T
	if err := decodeJSON(resp.Body, &v, true); err != nil {
		return nil, fmt.Errorf("http: decode response: %w", err)
	}
	return v, nil
}

// ErrorFromResponse returns nil for a 2xx response, and otherwise a
// *ResponseError holding the status, headers and up to 64 KiB of the body,
// which it reads. Hand-written response decoders call it first.
func ErrorFromResponse(resp *http.Response) error {
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	e := &ResponseError{Code: resp.StatusCode, Header: resp.Header, Body: body}
	var eb errorBody
	if json.Unmarshal(body, &eb) == nil {
		e.Message = eb.Error
	}
	return e
}

// decodeJSON reads exactly one JSON value from r into v; anything but
// whitespace after it is an error (a client that concatenated two requests,
// or garbage).
//
// Reading the whole body and calling json.Unmarshal is both stricter and
// cheaper than a json.Decoder followed by a check for trailing data: the
// check makes the Decoder grow its buffer (1.5 KiB more per call).
//
// A request body of JSON null (allowNull false) is an error: json.Unmarshal
// would leave v as it was, so the endpoint would run on a zero request the
// caller did not send.
func decodeJSON(r io.Reader, v any, allowNull bool) error {
	if r == nil {
		return errEmptyBody
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return errEmptyBody
	}
	if !allowNull && string(data) == "null" {
		return errNullBody
	}
	return json.Unmarshal(data, v)
}

var (
	errEmptyBody = errors.New("http: empty body")
	errNullBody  = errors.New("http: the request body is null, want a value")
)

// checkJSONContentType accepts a missing Content-Type, application/json and
// any +json type.
func checkJSONContentType(h http.Header) error {
	ct := h.Get("Content-Type")
	if ct == "" || strings.HasPrefix(ct, "application/json") && (len(ct) == 16 || ct[16] == ';' || ct[16] == ' ') {
		return nil // the common cases, without parsing
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json")) {
		return nil
	}
	return &StatusError{Code: http.StatusUnsupportedMediaType,
		Err: fmt.Errorf("%w: %q, want application/json", ErrUnsupportedMediaType, ct)}
}
