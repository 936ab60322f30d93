package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/endpointkit/kit/endpoint"
	kithttp "github.com/endpointkit/kit/transport/http"
)

// FuzzDecodeJSONRequest feeds arbitrary bodies and content types through a
// Server's JSON decode path: the answer is always 200 or a JSON error with a
// 4xx status, never a panic or a 5xx.
func FuzzDecodeJSONRequest(f *testing.F) {
	for _, s := range []string{`{"a":1,"b":2}`, `{"a":1,`, `[]`, `null`, `{"a":"x"}`, `{"a":1e400}`, "\xff", `{"a":1} {}`, ``} {
		f.Add([]byte(s), "application/json")
	}
	f.Add([]byte(`{}`), "text/plain")
	f.Add([]byte(`{}`), "application/json; charset=\"")
	h := kithttp.NewServer(endpoint.FromFunc(func(_ context.Context, req sumRequest) (sumResponse, error) {
		return sumResponse{V: req.A + req.B}, nil
	}), kithttp.DecodeJSONRequest[sumRequest], kithttp.EncodeJSONResponse, kithttp.ServerMaxBodyBytes(1<<10))
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		r := httptest.NewRequest("POST", "/", bytes.NewReader(body))
		r.Header["Content-Type"] = []string{contentType}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		var v map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
			t.Fatalf("body %q: response %d %q is not JSON", body, w.Code, w.Body)
		}
		switch {
		case w.Code == 200:
			var want sumRequest
			if err := json.Unmarshal(body, &want); err != nil {
				t.Fatalf("body %q accepted, but encoding/json rejects it: %v", body, err)
			}
			if v["v"] != float64(want.A+want.B) {
				t.Fatalf("body %q: got %v, want v=%d", body, v, want.A+want.B)
			}
		case w.Code >= 400 && w.Code < 500:
			if _, ok := v["error"].(string); !ok {
				t.Fatalf("body %q: %d without an error message: %q", body, w.Code, w.Body)
			}
		default:
			t.Fatalf("body %q: status %d, want 200 or 4xx", body, w.Code)
		}
	})
}

// FuzzDecodeJSONResponse feeds arbitrary responses to the client decoder:
// it returns a value or an error, and a non-2xx status is always a
// *ResponseError.
func FuzzDecodeJSONResponse(f *testing.F) {
	f.Add(200, []byte(`{"v":3}`))
	f.Add(500, []byte(`{"error":"boom"}`))
	f.Add(404, []byte(`not found`))
	f.Add(200, []byte(`{"v":`))
	f.Fuzz(func(t *testing.T, code int, body []byte) {
		if code < 100 || code > 999 {
			return
		}
		resp := &http.Response{StatusCode: code, Header: http.Header{}, Body: http.NoBody}
		resp.Body = nopCloser{bytes.NewReader(body)}
		_, err := kithttp.DecodeJSONResponse[sumResponse](context.Background(), resp)
		var re *kithttp.ResponseError
		if (code < 200 || code > 299) && (!errors.As(err, &re) || re.Code != code) {
			t.Fatalf("status %d: err = %v, want *ResponseError", code, err)
		}
	})
}

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }
