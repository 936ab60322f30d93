package http_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	kithttp "github.com/endpointkit/kit/transport/http"
)

// TestServerPanicAfterWriteAborts has an encoder panic after it started the
// response. The client must see an error (the connection aborted, as
// net/http does for http.ErrAbortHandler), not a clean 200 with a truncated
// body; the panic is still reported.
func TestServerPanicAfterWriteAborts(t *testing.T) {
	var mu sync.Mutex
	var handled []error
	h := kithttp.NewServer(
		func(_ context.Context, req any) (any, error) { return req, nil },
		func(_ context.Context, r *http.Request) (any, error) { return r.URL.RawQuery == "chunked", nil },
		func(_ context.Context, w http.ResponseWriter, chunked any) error {
			if !chunked.(bool) {
				w.Header().Set("Content-Length", "1000")
			}
			w.WriteHeader(http.StatusOK)
			io.WriteString(w, `{"v":[1,2,3`)
			w.(http.Flusher).Flush()
			panic("encoder failed half way")
		},
		kithttp.ServerErrorHandler(kithttp.ErrorHandlerFunc(func(_ context.Context, err error) {
			mu.Lock()
			handled = append(handled, err)
			mu.Unlock()
		})),
	)
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = nil
	srv.Start()
	defer srv.Close()
	for _, chunked := range []bool{false, true} {
		name := "with Content-Length"
		if chunked {
			name = "chunked"
		}
		t.Run(name, func(t *testing.T) {
			mu.Lock()
			handled = nil
			mu.Unlock()
			url := srv.URL
			if chunked {
				url += "?chunked"
			}
			resp, err := srv.Client().Get(url)
			if err != nil {
				return // aborted before the headers: also an error the client sees
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err == nil {
				t.Errorf("GET: status %d, body %q read cleanly; want an error reading the body", resp.StatusCode, body)
			}
			mu.Lock()
			defer mu.Unlock()
			var pe *kithttp.PanicError
			if len(handled) != 1 || !errors.As(handled[0], &pe) || !strings.Contains(pe.Error(), "half way") {
				t.Errorf("errors handled = %v, want one *PanicError", handled)
			}
		})
	}
}
