package jsonrpc_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"testing"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/transport/http/jsonrpc"
)

// FuzzServerEnvelope feeds arbitrary bodies to a Server: it never panics,
// answers 204 with no body or a JSON body that holds JSON-RPC 2.0
// responses, each with exactly one of result and error.
func FuzzServerEnvelope(f *testing.F) {
	for _, s := range []string{
		`{"jsonrpc":"2.0","method":"sum","params":{"a":1,"b":2},"id":1}`,
		`{"jsonrpc":"2.0","method":"sum","params":[1],"id":"x"}`,
		`{"jsonrpc":"2.0","method":"sum"}`,
		`[{"jsonrpc":"2.0","method":"sum","id":1},{"jsonrpc":"2.0","method":"sum"}]`,
		`[]`, `[1]`, `{`, `null`, `"x"`, `{"jsonrpc":"2.0","method":"sum","id":{}}`,
		`{"jsonrpc":"2.0","method":"sum","id":null}`,
	} {
		f.Add([]byte(s))
	}
	sum := endpoint.FromFunc(func(_ context.Context, req sumRequest) (sumResponse, error) {
		return sumResponse{V: req.A + req.B}, nil
	})
	h := jsonrpc.NewServer(jsonrpc.EndpointCodecMap{
		"sum": {Endpoint: sum, Decode: jsonrpc.DecodeParams[sumRequest], Encode: jsonrpc.EncodeResult},
	}, jsonrpc.ServerMaxBodyBytes(1<<12))
	f.Fuzz(func(t *testing.T, body []byte) {
		w := httptest.NewRecorder()
		r := httptest.NewRequest("POST", "/", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		h.ServeHTTP(w, r)
		if w.Code == 204 {
			if w.Body.Len() != 0 {
				t.Fatalf("%q: 204 with a body %q", body, w.Body)
			}
			return
		}
		var resps []jsonrpc.Response
		out := bytes.TrimSpace(w.Body.Bytes())
		if len(out) > 0 && out[0] == '[' {
			if err := json.Unmarshal(out, &resps); err != nil {
				t.Fatalf("%q: batch answer %q is not JSON: %v", body, out, err)
			}
		} else {
			var one jsonrpc.Response
			if err := json.Unmarshal(out, &one); err != nil {
				t.Fatalf("%q: answer %q is not JSON: %v", body, out, err)
			}
			resps = append(resps, one)
		}
		for _, resp := range resps {
			if resp.JSONRPC != "2.0" || (resp.Result == nil) == (resp.Error == nil) || resp.ID == nil {
				t.Fatalf("%q: answer %q is not a JSON-RPC 2.0 response", body, out)
			}
		}
		if w.Code != 200 && w.Code != 400 && w.Code != 404 && w.Code != 413 {
			t.Fatalf("%q: status %d", body, w.Code)
		}
	})
}
