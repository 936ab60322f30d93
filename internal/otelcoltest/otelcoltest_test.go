package otelcoltest_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/endpointkit/kit/internal/otelcoltest"
	"github.com/endpointkit/kit/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func TestParse(t *testing.T) {
	out := `{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc"}}]},"scopeSpans":[{"spans":[` +
		`{"traceId":"0102030405060708090A0B0C0D0E0F10","spanId":"1112131415161718","parentSpanId":"2122232425262728","name":"GET","kind":2,` +
		`"startTimeUnixNano":"1000","endTimeUnixNano":"2000","attributes":[{"key":"code","value":{"intValue":"200"}},{"key":"ok","value":{"boolValue":true}}],` +
		`"events":[{"name":"exception","attributes":[{"key":"exception.message","value":{"stringValue":"boom"}}]}],"status":{"code":2,"message":"bad"}}]}]}]}
{}
{"resourceSpans":[{"resource":{},"scopeSpans":[{"spans":[{"traceId":"aa","spanId":"bb","name":"partial"`
	spans, err := otelcoltest.Parse([]byte(out))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if len(spans) != 1 {
		t.Fatalf("Parse: %d spans, want 1 (the unterminated last line left for later):\n%s", len(spans), spans)
	}
	s := spans[0]
	if s.Service != "svc" || s.TraceID != "0102030405060708090a0b0c0d0e0f10" || s.SpanID != "1112131415161718" ||
		s.ParentSpanID != "2122232425262728" || s.Name != "GET" || s.Kind != otelcoltest.KindServer {
		t.Errorf("Parse: span %v", s)
	}
	if s.Attrs["code"] != "200" || s.Attrs["ok"] != "true" {
		t.Errorf("Parse: attributes %v, want code=200 ok=true", s.Attrs)
	}
	if s.Status.Code != otelcoltest.StatusError || s.Status.Message != "bad" {
		t.Errorf("Parse: status %v, want error %q", s.Status, "bad")
	}
	if len(s.Events) != 1 || s.Events[0].Attrs["exception.message"] != "boom" {
		t.Errorf("Parse: events %v", s.Events)
	}
	if got := s.End.Sub(s.Start); got != 1000 {
		t.Errorf("Parse: duration %v, want 1µs", got)
	}
	if _, err := otelcoltest.Parse([]byte("{nope\n")); err == nil {
		t.Errorf("Parse of a malformed line: no error")
	}
}

// TestZipkinRoundTrip posts a Zipkin v2 span to a real collector and reads
// it back, its 64-bit trace id widened to 128 bits.
func TestZipkinRoundTrip(t *testing.T) {
	col := otelcoltest.Start(t)
	body := `[{"traceId":"00000000000000aa","id":"00000000000000bb","parentId":"00000000000000cc","name":"get /x","kind":"SERVER",` +
		`"timestamp":1700000000000000,"duration":10,"localEndpoint":{"serviceName":"zsvc"},"tags":{"http.path":"/x"}}]`
	resp, err := http.Post(col.ZipkinURL, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST %s: %s, want 202", col.ZipkinURL, resp.Status)
	}
	resp, err = http.Post(col.ZipkinURL, "application/json", strings.NewReader("[{"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("POST of malformed Zipkin JSON: %s, want 400", resp.Status)
	}

	s := col.WaitCount(t, 1).Find(t, "get /x")
	if s.TraceID != "000000000000000000000000000000aa" || s.SpanID != "00000000000000bb" || s.ParentSpanID != "00000000000000cc" {
		t.Errorf("ids: trace %s span %s parent %s", s.TraceID, s.SpanID, s.ParentSpanID)
	}
	if s.Service != "zsvc" || s.Kind != otelcoltest.KindServer || s.Attrs["http.path"] != "/x" {
		t.Errorf("span %v, want service zsvc, kind server, http.path=/x", s)
	}
}
