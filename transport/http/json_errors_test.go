package http_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	kithttp "github.com/endpointkit/kit/transport/http"
)

// TestJSONErrors checks that the plain-text errors a ServeMux writes itself
// (404, 405) come out as JSON like kit's own, headers kept, while the
// handlers' own responses pass through untouched.
func TestJSONErrors(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /sum", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "plain by choice")
	})
	srv := httptest.NewServer(kithttp.JSONErrors(mux))
	defer srv.Close()
	for _, tc := range []struct {
		method, path string
		wantCode     int
		wantBody     string
		wantAllow    string
	}{
		{"GET", "/nope", 404, `{"error":"not found"}`, ""},
		{"GET", "/sum", 405, `{"error":"method not allowed"}`, "POST"},
		{"POST", "/sum", 200, "plain by choice", ""},
	} {
		req, _ := http.NewRequest(tc.method, srv.URL+tc.path, nil)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		body := strings.TrimSpace(string(b))
		if resp.StatusCode != tc.wantCode || body != tc.wantBody {
			t.Errorf("%s %s: got %d %q, want %d %q", tc.method, tc.path, resp.StatusCode, body, tc.wantCode, tc.wantBody)
		}
		if tc.wantCode != 200 {
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") || !json.Valid(b) {
				t.Errorf("%s %s: Content-Type %q, body %q; want JSON", tc.method, tc.path, ct, b)
			}
		}
		if got := resp.Header.Get("Allow"); !strings.Contains(got, tc.wantAllow) {
			t.Errorf("%s %s: Allow %q, want it to contain %q", tc.method, tc.path, got, tc.wantAllow)
		}
	}
}
