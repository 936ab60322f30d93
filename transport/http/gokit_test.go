package http_test

import (
	"context"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	kithttp "github.com/endpointkit/kit/transport/http"
)

// TestGoKitHelpers checks the helpers kept for Go kit code: NopRequestDecoder,
// SetContentType, SetResponseHeader and EncodeXMLRequest.
func TestGoKitHelpers(t *testing.T) {
	if req, err := kithttp.NopRequestDecoder(context.Background(), httptest.NewRequest("GET", "/", nil)); req != nil || err != nil {
		t.Errorf("NopRequestDecoder = %v, %v; want nil, nil", req, err)
	}
	srv := httptest.NewServer(kithttp.NewServer(
		func(context.Context, any) (any, error) { return nil, nil },
		kithttp.NopRequestDecoder,
		func(_ context.Context, w http.ResponseWriter, _ any) error {
			_, err := io.WriteString(w, "<ok/>")
			return err
		},
		kithttp.ServerAfter(kithttp.SetContentType("application/xml"), kithttp.SetResponseHeader("X-Kit", "yes"))))
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if ct, x := resp.Header.Get("Content-Type"), resp.Header.Get("X-Kit"); ct != "application/xml" || x != "yes" {
		t.Errorf("headers Content-Type=%q X-Kit=%q; want application/xml and yes", ct, x)
	}

	type point struct {
		XMLName xml.Name `xml:"point"`
		X       int      `xml:"x"`
	}
	r := httptest.NewRequest("POST", "/", nil)
	if err := kithttp.EncodeXMLRequest(context.Background(), r, point{X: 3}); err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(r.Body)
	if string(body) != "<point><x>3</x></point>" || r.Header.Get("Content-Type") != "text/xml; charset=utf-8" || r.ContentLength != int64(len(body)) {
		t.Errorf("EncodeXMLRequest wrote %q (%s, %d bytes)", body, r.Header.Get("Content-Type"), r.ContentLength)
	}
	if err := kithttp.EncodeXMLRequest(context.Background(), r, func() {}); err == nil {
		t.Error("EncodeXMLRequest of a func: no error")
	}
}
