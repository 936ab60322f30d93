package zipkin_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/openzipkin/zipkin-go"
	"github.com/openzipkin/zipkin-go/model"

	"github.com/endpointkit/kit/log"
	kitzipkin "github.com/endpointkit/kit/tracing/zipkin"
	kithttp "github.com/endpointkit/kit/transport/http"
)

const (
	goodTraceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	goodSpanID  = "00f067aa0ba902b7"
)

func tracedHandler(tracer *zipkin.Tracer, opts ...kitzipkin.TracerOption) http.Handler {
	return kithttp.NewServer(kitzipkin.TraceEndpoint(tracer, "ep", opts...)(
		func(context.Context, any) (any, error) { return map[string]int{"v": 1}, nil }),
		func(context.Context, *http.Request) (any, error) { return nil, nil },
		kithttp.EncodeJSONResponse, kitzipkin.HTTPServerTrace(tracer, opts...))
}

// TestBadB3StartsNewTrace: malformed B3 headers are served, in a new trace,
// with one log line, even by a tracer whose extract failure policy would
// panic.
func TestBadB3StartsNewTrace(t *testing.T) {
	huge := strings.Repeat("a", 1<<20)
	cases := map[string]http.Header{
		"non-hex trace id":      {"X-B3-Traceid": {"xyz"}, "X-B3-Spanid": {goodSpanID}},
		"long trace id":         {"X-B3-Traceid": {goodTraceID + "ab"}, "X-B3-Spanid": {goodSpanID}},
		"zero span id":          {"X-B3-Traceid": {goodTraceID}, "X-B3-Spanid": {"0000000000000000"}},
		"span id without trace": {"X-B3-Spanid": {goodSpanID}},
		"bad sampled":           {"X-B3-Traceid": {goodTraceID}, "X-B3-Spanid": {goodSpanID}, "X-B3-Sampled": {"maybe"}},
		"single garbage":        {"B3": {"garbage"}},
		"single bad sampling":   {"B3": {goodTraceID + "-" + goodSpanID + "-x"}},
		"single too many parts": {"B3": {goodTraceID + "-" + goodSpanID + "-1-" + goodSpanID + "-x"}},
		"single 1 MiB":          {"B3": {huge}},
		// zipkin-go v0.4.3's parser panics on this one.
		"single 33 zeros":  {"B3": {strings.Repeat("0", 33)}},
		"single 33 digits": {"B3": {goodTraceID + "f"}},
		"1 MiB trace id":   {"X-B3-Traceid": {huge}, "X-B3-Spanid": {goodSpanID}},
	}
	for name, header := range cases {
		t.Run(name, func(t *testing.T) {
			tracer, rec := memoryTracer(t, zipkin.WithExtractFailurePolicy(zipkin.ExtractFailurePolicyError))
			var logs bytes.Buffer
			h := tracedHandler(tracer, kitzipkin.Logger(log.NewLogfmtLogger(&logs)))
			r := httptest.NewRequest(http.MethodGet, "/x", nil)
			for k, v := range header {
				r.Header[k] = v
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != http.StatusOK {
				t.Errorf("status %d, want 200", w.Code)
			}
			s := serverSpan(t, rec.Flush())
			if s.ParentID != nil || s.TraceID.String() == goodTraceID {
				t.Errorf("server span trace %s parent %v, want a new root", s.TraceID, s.ParentID)
			}
			if n := strings.Count(logs.String(), "\n"); n > 1 {
				t.Errorf("%d log lines, want at most 1:\n%s", n, logs.String())
			}
		})
	}
}

// TestGoodB3Continued is the control: valid multiple and single headers
// are continued.
func TestGoodB3Continued(t *testing.T) {
	for name, header := range map[string]http.Header{
		"multi":  {"X-B3-Traceid": {goodTraceID}, "X-B3-Spanid": {goodSpanID}, "X-B3-Sampled": {"1"}},
		"single": {"B3": {goodTraceID + "-" + goodSpanID + "-1"}},
		// B3 defines only the debug flag "1"; another value is ignored,
		// the ids are still good.
		"unknown flags": {"X-B3-Traceid": {goodTraceID}, "X-B3-Spanid": {goodSpanID}, "X-B3-Flags": {"2"}},
	} {
		t.Run(name, func(t *testing.T) {
			tracer, rec := memoryTracer(t)
			r := httptest.NewRequest(http.MethodGet, "/x", nil)
			r.Header = header
			tracedHandler(tracer).ServeHTTP(httptest.NewRecorder(), r)
			s := serverSpan(t, rec.Flush())
			if s.TraceID.String() != goodTraceID || s.ParentID == nil || s.ParentID.String() != goodSpanID {
				t.Errorf("server span trace %s parent %v, want %s/%s", s.TraceID, s.ParentID, goodTraceID, goodSpanID)
			}
		})
	}
}

// TestNoPropagation: AllowPropagation(false) ignores the caller's headers
// and writes none.
func TestNoPropagation(t *testing.T) {
	tracer, rec := memoryTracer(t)
	r := httptest.NewRequest(http.MethodGet, "/x", nil)
	r.Header.Set("B3", goodTraceID+"-"+goodSpanID+"-1")
	tracedHandler(tracer, kitzipkin.AllowPropagation(false)).ServeHTTP(httptest.NewRecorder(), r)
	if s := serverSpan(t, rec.Flush()); s.TraceID.String() == goodTraceID {
		t.Errorf("server continued the caller's trace with AllowPropagation(false)")
	}

	var got http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"v":1}`))
	}))
	defer srv.Close()
	u := mustURL(t, srv.URL)
	for _, allow := range []bool{true, false} {
		_, err := sumClient(tracer, u, kitzipkin.AllowPropagation(allow))(context.Background(), sumRequest{})
		if err != nil {
			t.Fatal(err)
		}
		if sent := got.Get("X-B3-Traceid") != ""; sent != allow {
			t.Errorf("AllowPropagation(%v): X-B3-TraceId sent = %v", allow, sent)
		}
	}
}

// TestRequestSampler decides for requests that come without a decision and
// leaves a caller's decision alone.
func TestRequestSampler(t *testing.T) {
	tracer, rec := memoryTracer(t, zipkin.WithSampler(zipkin.AlwaysSample))
	h := tracedHandler(tracer, kitzipkin.RequestSampler(func(r *http.Request) bool { return r.URL.Path != "/health" }))
	for _, path := range []string{"/health", "/x"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, path, nil))
	}
	r := httptest.NewRequest(http.MethodGet, "/health", nil)
	r.Header.Set("B3", goodTraceID+"-"+goodSpanID+"-1")
	h.ServeHTTP(httptest.NewRecorder(), r)
	var paths []string
	for _, s := range rec.Flush() {
		if s.Kind == model.Server {
			paths = append(paths, s.Tags["http.path"])
		}
	}
	if strings.Join(paths, ",") != "/x,/health" {
		t.Errorf("sampled server spans for paths %v, want [/x /health] (the last one sampled by its caller)", paths)
	}
}

// FuzzHTTPServerExtract feeds arbitrary B3 headers to a traced server: it
// must answer 200 and start a span, whatever arrives.
func FuzzHTTPServerExtract(f *testing.F) {
	f.Add(goodTraceID+"-"+goodSpanID+"-1", goodTraceID, goodSpanID, "", "1", "")
	f.Add("garbage", "xyz", "0", "1", "maybe", "2")
	f.Add("-", "", goodSpanID, goodSpanID, "", "1")
	tracer, err := zipkin.NewTracer(nil, zipkin.WithExtractFailurePolicy(zipkin.ExtractFailurePolicyError), zipkin.WithNoopSpan(false))
	if err != nil {
		f.Fatal(err)
	}
	h := tracedHandler(tracer)
	f.Fuzz(func(t *testing.T, single, traceID, spanID, parentID, sampled, flags string) {
		r := httptest.NewRequest(http.MethodGet, "/x", nil)
		r.Header = http.Header{"B3": {single}, "X-B3-Traceid": {traceID}, "X-B3-Spanid": {spanID},
			"X-B3-Parentspanid": {parentID}, "X-B3-Sampled": {sampled}, "X-B3-Flags": {flags}}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			t.Fatalf("status %d, want 200", w.Code)
		}
	})
}
