package http_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	kithttp "github.com/endpointkit/kit/transport/http"
)

// TestClientResponseLimit checks that a Client reads at most
// DefaultMaxResponseBytes of a response body unless told otherwise: a
// server (or a man in the middle) sending a huge 2xx body must not make the
// client allocate it whole.
func TestClientResponseLimit(t *testing.T) {
	big := `{"v":1,"pad":"` + strings.Repeat("x", kithttp.DefaultMaxResponseBytes) + `"}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(big))
	}))
	defer srv.Close()
	call := func(options ...kithttp.ClientOption) error {
		options = append(options, kithttp.SetClient(srv.Client()))
		_, err := kithttp.NewClient("GET", mustURL(t, srv.URL), func(context.Context, *http.Request, any) error { return nil },
			kithttp.DecodeJSONResponse[sumResponse], options...).Endpoint()(context.Background(), nil)
		return err
	}
	if err := call(); !errors.Is(err, kithttp.ErrResponseTooLarge) {
		t.Errorf("a body over the default limit: err = %v, want ErrResponseTooLarge", err)
	}
	if err := call(kithttp.ClientMaxResponseBytes(int64(len(big)))); err != nil {
		t.Errorf("a body of exactly ClientMaxResponseBytes: err = %v, want nil", err)
	}
	if err := call(kithttp.ClientMaxResponseBytes(0)); err != nil {
		t.Errorf("no limit (ClientMaxResponseBytes(0)): err = %v, want nil", err)
	}
}
