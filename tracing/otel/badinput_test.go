package otel_test

import (
	"bytes"
	"context"
	stdlog "log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/baggage"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/endpointkit/kit/tracing/otel"
	kithttp "github.com/endpointkit/kit/transport/http"
)

const (
	goodTraceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	goodSpanID  = "00f067aa0ba902b7"
	goodParent  = "00-" + goodTraceID + "-" + goodSpanID + "-01"
)

// tracedHandler is a kit HTTP Server traced with tp (and opts), whose
// endpoint records the baggage and trace state it sees.
func tracedHandler(tp trace.TracerProvider, seen *context.Context, opts ...otel.Option) http.Handler {
	ep := func(ctx context.Context, _ any) (any, error) {
		*seen = ctx
		return map[string]int{"v": 1}, nil
	}
	return kithttp.NewServer(otel.TraceEndpoint(tp, "ep", opts...)(ep),
		func(context.Context, *http.Request) (any, error) { return nil, nil },
		kithttp.EncodeJSONResponse, otel.HTTPServerTrace(tp, opts...))
}

// serveOnce serves one GET with header through a fresh traced handler and
// returns the response and the server span.
func serveOnce(t *testing.T, header http.Header, opts ...otel.Option) (*httptest.ResponseRecorder, sdktrace.ReadOnlySpan, context.Context) {
	t.Helper()
	tp, rec := memoryProvider(t)
	var seen context.Context
	h := tracedHandler(tp, &seen, opts...)
	r := httptest.NewRequest(http.MethodGet, "/x", nil)
	for k, v := range header {
		r.Header[k] = v
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	for _, s := range rec.Ended() {
		if s.SpanKind() == trace.SpanKindServer {
			return w, s, seen
		}
	}
	t.Fatalf("no server span ended; spans: %v", rec.Ended())
	return nil, nil, nil
}

// TestBadTraceContextStartsNewTrace: whatever the trace headers hold, the
// request is served and the server span is a new root, not a child of
// garbage.
func TestBadTraceContextStartsNewTrace(t *testing.T) {
	huge := strings.Repeat("a", 1<<20)
	cases := []struct {
		name   string
		header http.Header
		opts   []otel.Option
	}{
		{"wrong version", http.Header{"Traceparent": {"ff-" + goodTraceID + "-" + goodSpanID + "-01"}}, nil},
		{"version 00 with extra field", http.Header{"Traceparent": {goodParent + "-extra"}}, nil},
		{"all-zero trace id", http.Header{"Traceparent": {"00-00000000000000000000000000000000-" + goodSpanID + "-01"}}, nil},
		{"all-zero span id", http.Header{"Traceparent": {"00-" + goodTraceID + "-0000000000000000-01"}}, nil},
		{"short trace id", http.Header{"Traceparent": {"00-" + goodTraceID[:30] + "-" + goodSpanID + "-01"}}, nil},
		{"long span id", http.Header{"Traceparent": {"00-" + goodTraceID + "-" + goodSpanID + "00-01"}}, nil},
		{"non-hex", http.Header{"Traceparent": {"00-" + strings.Repeat("z", 32) + "-" + goodSpanID + "-01"}}, nil},
		{"upper-case hex", http.Header{"Traceparent": {"00-" + strings.ToUpper(goodTraceID) + "-" + goodSpanID + "-01"}}, nil},
		{"bad flags", http.Header{"Traceparent": {"00-" + goodTraceID + "-" + goodSpanID + "-zz"}}, nil},
		{"1 MiB traceparent", http.Header{"Traceparent": {huge}}, nil},
		{"empty", http.Header{"Traceparent": {""}}, nil},
		{"b3 non-hex trace id", http.Header{"X-B3-Traceid": {"xyz"}, "X-B3-Spanid": {goodSpanID}}, []otel.Option{otel.B3()}},
		{"b3 zero span id", http.Header{"X-B3-Traceid": {goodTraceID}, "X-B3-Spanid": {"0000000000000000"}}, []otel.Option{otel.B3()}},
		{"b3 long trace id", http.Header{"X-B3-Traceid": {goodTraceID + "ab"}, "X-B3-Spanid": {goodSpanID}}, []otel.Option{otel.B3()}},
		{"b3 bad sampled", http.Header{"X-B3-Traceid": {goodTraceID}, "X-B3-Spanid": {goodSpanID}, "X-B3-Sampled": {"maybe"}}, []otel.Option{otel.B3()}},
		{"b3 single garbage", http.Header{"B3": {"garbage"}}, []otel.Option{otel.B3()}},
		{"b3 single bad sampling", http.Header{"B3": {goodTraceID + "-" + goodSpanID + "-x"}}, []otel.Option{otel.B3()}},
		{"b3 single 1 MiB", http.Header{"B3": {huge}}, []otel.Option{otel.B3()}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w, span, _ := serveOnce(t, c.header, c.opts...)
			if w.Code != http.StatusOK {
				t.Errorf("status %d, want 200: bad trace headers are ignored, not refused", w.Code)
			}
			if span.Parent().IsValid() {
				t.Errorf("server span has parent %v, want a new root", span.Parent())
			}
			if !span.SpanContext().IsValid() {
				t.Errorf("server span context %v is not valid", span.SpanContext())
			}
		})
	}
}

// TestGoodTraceContextContinued is the control for the cases above: a
// valid traceparent (or B3 header) is continued.
func TestGoodTraceContextContinued(t *testing.T) {
	for name, c := range map[string]struct {
		header http.Header
		opts   []otel.Option
	}{
		"traceparent":    {http.Header{"Traceparent": {goodParent}}, nil},
		"b3 multi":       {http.Header{"X-B3-Traceid": {goodTraceID}, "X-B3-Spanid": {goodSpanID}, "X-B3-Sampled": {"1"}}, []otel.Option{otel.B3()}},
		"b3 single":      {http.Header{"B3": {goodTraceID + "-" + goodSpanID + "-1"}}, []otel.Option{otel.B3()}},
		"traceparent+b3": {http.Header{"Traceparent": {goodParent}, "B3": {"garbage"}}, []otel.Option{otel.B3()}},
		"future version": {http.Header{"Traceparent": {"cc-" + goodTraceID + "-" + goodSpanID + "-01-future"}}, nil},
	} {
		t.Run(name, func(t *testing.T) {
			_, span, _ := serveOnce(t, c.header, c.opts...)
			if got := span.Parent(); got.TraceID().String() != goodTraceID || got.SpanID().String() != goodSpanID || !got.IsRemote() {
				t.Errorf("server span parent %v, want remote %s/%s", got, goodTraceID, goodSpanID)
			}
		})
	}
}

// TestOversizedStateAndBaggage: a tracestate or baggage past the W3C
// limits is dropped; the trace is still continued and the request served.
func TestOversizedStateAndBaggage(t *testing.T) {
	var members []string
	for i := range 40 { // the limit is 32 members
		members = append(members, "k"+strings.Repeat("x", i%5)+string(rune('a'+i%26))+"=v")
	}
	bigBaggage := "k=" + strings.Repeat("v", 9000) // the limit is 8192 bytes
	w, span, seen := serveOnce(t, http.Header{
		"Traceparent": {goodParent},
		"Tracestate":  {strings.Join(members, ",")},
		"Baggage":     {bigBaggage},
	})
	if w.Code != http.StatusOK {
		t.Fatalf("status %d, want 200", w.Code)
	}
	if span.Parent().TraceID().String() != goodTraceID {
		t.Errorf("server span parent %v, want trace %s continued", span.Parent(), goodTraceID)
	}
	if ts := span.Parent().TraceState(); ts.Len() != 0 {
		t.Errorf("trace state of %d members kept, want the oversized one dropped", ts.Len())
	}
	if b := baggage.FromContext(seen); b.Len() != 0 {
		t.Errorf("baggage of %d members reached the endpoint, want the oversized one dropped", b.Len())
	}

	// The control: within the limits both arrive.
	_, span, seen = serveOnce(t, http.Header{
		"Traceparent": {goodParent}, "Tracestate": {"a=1,b=2"}, "Baggage": {"user=42"},
	})
	if ts := span.Parent().TraceState(); ts.Get("b") != "2" {
		t.Errorf("trace state %q, want b=2", ts)
	}
	if got := baggage.FromContext(seen).Member("user").Value(); got != "42" {
		t.Errorf("baggage user = %q, want 42", got)
	}
}

// TestPublicServerLinks: a Public server starts a new trace and links the
// caller's span, and drops the caller's baggage.
func TestPublicServerLinks(t *testing.T) {
	_, span, seen := serveOnce(t, http.Header{"Traceparent": {goodParent}, "Baggage": {"user=42"}}, otel.Public())
	if span.Parent().IsValid() {
		t.Errorf("public server span has parent %v, want a new root", span.Parent())
	}
	links := span.Links()
	if len(links) != 1 || links[0].SpanContext.TraceID().String() != goodTraceID {
		t.Errorf("public server span links %v, want one to trace %s", links, goodTraceID)
	}
	if baggage.FromContext(seen).Len() != 0 {
		t.Errorf("public server passed the caller's baggage on")
	}
}

// FuzzHTTPServerExtract feeds arbitrary trace headers, in every format the
// hooks read, to a traced server: it must answer 200 and start a valid
// span, whatever arrives.
func FuzzHTTPServerExtract(f *testing.F) {
	f.Add(goodParent, "a=1", "user=42", goodTraceID+"-"+goodSpanID+"-1", goodTraceID, goodSpanID, "1", "")
	f.Add("ff-"+goodTraceID+"-"+goodSpanID+"-01", "=,=", "%zz", "0", "xyz", "0000000000000000", "maybe", "2")
	f.Add("00-", ",,,,", ";;;", "-", "", "", "", "1")
	rec := &spanCounter{}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	defer tp.Shutdown(context.Background())
	var seen context.Context
	h := tracedHandler(tp, &seen, otel.B3())
	f.Fuzz(func(t *testing.T, traceparent, tracestate, bag, single, b3trace, b3span, b3sampled, b3flags string) {
		r := httptest.NewRequest(http.MethodGet, "/x", nil)
		r.Header = http.Header{
			"Traceparent": {traceparent}, "Tracestate": {tracestate}, "Baggage": {bag}, "B3": {single},
			"X-B3-Traceid": {b3trace}, "X-B3-Spanid": {b3span}, "X-B3-Sampled": {b3sampled}, "X-B3-Flags": {b3flags},
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			t.Fatalf("status %d, want 200", w.Code)
		}
		if sc := trace.SpanContextFromContext(seen); !sc.IsValid() {
			t.Fatalf("endpoint saw span context %v, want a valid one", sc)
		}
	})
}

// spanCounter is a SpanProcessor that only counts ended spans.
type spanCounter struct{ sdktrace.SpanProcessor }

func (*spanCounter) OnStart(context.Context, sdktrace.ReadWriteSpan) {}
func (*spanCounter) OnEnd(sdktrace.ReadOnlySpan)                     {}
func (*spanCounter) Shutdown(context.Context) error                  { return nil }
func (*spanCounter) ForceFlush(context.Context) error                { return nil }

// TestBadBaggageNotLogged: a malformed or oversized baggage header is
// dropped without a log line (OpenTelemetry's own Baggage propagator writes
// one per request to its global error handler, by default the standard
// logger).
func TestBadBaggageNotLogged(t *testing.T) {
	var buf bytes.Buffer
	prev, flags := stdlog.Writer(), stdlog.Flags()
	stdlog.SetOutput(&buf)
	defer func() { stdlog.SetOutput(prev); stdlog.SetFlags(flags) }()
	for _, b := range []string{"k=" + strings.Repeat("v", 9000), "%zz", ";;;", "=", "k=v,,==,"} {
		w, _, seen := serveOnce(t, http.Header{"Traceparent": {goodParent}, "Baggage": {b}})
		if w.Code != http.StatusOK {
			t.Errorf("baggage %.20q: status %d, want 200", b, w.Code)
		}
		if n := baggage.FromContext(seen).Len(); n != 0 {
			t.Errorf("baggage %.20q: %d members reached the endpoint", b, n)
		}
	}
	if buf.Len() != 0 {
		t.Errorf("bad baggage logged:\n%s", buf.String())
	}
	// Two good headers form one list.
	_, _, seen := serveOnce(t, http.Header{"Baggage": {"a=1", "b=2"}})
	if bg := baggage.FromContext(seen); bg.Member("a").Value() != "1" || bg.Member("b").Value() != "2" {
		t.Errorf("two baggage headers: got %v, want a=1 and b=2", bg)
	}
}
