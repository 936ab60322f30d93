package otel_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/codes"

	"github.com/endpointkit/kit/internal/otelcoltest"
	"github.com/endpointkit/kit/tracing/otel"
	kithttp "github.com/endpointkit/kit/transport/http"
)

// TestHTTPTree sends one call through a traced client endpoint and HTTP
// client into a traced HTTP server and endpoint, and reads the four spans
// back from a real collector.
func TestHTTPTree(t *testing.T) {
	col := otelcoltest.Start(t)
	serverTP := collectorProvider(t, col, "sum-server")
	clientTP := collectorProvider(t, col, "sum-client")
	call := sumClient(clientTP, sumServer(t, serverTP))

	resp, err := call(context.Background(), sumRequest{A: 2, B: 3})
	if err != nil || resp.(sumResponse).V != 5 {
		t.Fatalf("call(2, 3) = %v, %v; want 5, nil", resp, err)
	}
	flush(t, clientTP, serverTP)
	spans := col.WaitCount(t, 4)

	clientEndpoint := spans.Find(t, "client.Sum")
	client := spans.Find(t, "POST")
	server := spans.Find(t, "POST /sum")
	ep := spans.Find(t, "Sum")
	if clientEndpoint.ParentSpanID != "" {
		t.Errorf("client endpoint span has parent %s, want a root", clientEndpoint.ParentSpanID)
	}
	wantParent(t, client, clientEndpoint)
	wantParent(t, server, client)
	wantParent(t, ep, server)

	for _, c := range []struct {
		span    otelcoltest.Span
		kind    otelcoltest.Kind
		service string
	}{
		{clientEndpoint, otelcoltest.KindInternal, "sum-client"},
		{client, otelcoltest.KindClient, "sum-client"},
		{server, otelcoltest.KindServer, "sum-server"},
		{ep, otelcoltest.KindInternal, "sum-server"},
	} {
		if c.span.Kind != c.kind || c.span.Service != c.service {
			t.Errorf("span %q: kind %v service %q, want %v %q", c.span.Name, c.span.Kind, c.span.Service, c.kind, c.service)
		}
		wantStatus(t, c.span, otelcoltest.StatusUnset)
	}
	wantAttrs(t, client, map[string]string{
		"http.request.method": "POST", "http.response.status_code": "200",
		"server.address": "127.0.0.1",
	})
	if !strings.HasSuffix(client.Attrs["url.full"], "/sum") {
		t.Errorf("client span url.full = %q, want .../sum", client.Attrs["url.full"])
	}
	wantAttrs(t, server, map[string]string{
		"http.request.method": "POST", "http.route": "/sum", "url.path": "/sum",
		"url.scheme": "http", "http.response.status_code": "200", "client.address": "127.0.0.1",
		"network.protocol.version": "1.1",
	})
	wantAttrs(t, ep, map[string]string{"kit.outcome": "success"})
	wantAttrs(t, clientEndpoint, map[string]string{"kit.outcome": "success"})
}

// TestHTTPOutcomes checks which spans each kind of failure marks as an
// error, read back from the collector: kit's failure model on endpoint
// spans, the HTTP conventions on transport spans.
func TestHTTPOutcomes(t *testing.T) {
	col := otelcoltest.Start(t)
	serverTP := collectorProvider(t, col, "sum-server")
	clientTP := collectorProvider(t, col, "sum-client")
	u := sumServer(t, serverTP)
	call := sumClient(clientTP, u)
	ctx := context.Background()

	type want struct {
		outcome                            string // kit.outcome of both endpoint spans
		code                               string
		clientEndpoint, client, server, ep otelcoltest.StatusCode
		epEvent                            string
	}
	unset, erred := otelcoltest.StatusUnset, otelcoltest.StatusError
	cases := []struct {
		name string
		a    int
		want want
	}{
		{"business error", -1, want{"business_error", "200", unset, unset, unset, unset, "business_error"}},
		{"dependency failure", -2, want{"dependency_failure", "500", erred, erred, erred, erred, "exception"}},
		{"overload", -3, want{"overloaded", "429", erred, erred, unset, erred, "exception"}},
	}
	for _, c := range cases {
		// Each call runs under a root span of its own name, to find its
		// trace among the others.
		root := clientTP.Tracer("test").Start
		rctx, span := root(ctx, c.name)
		_, err := call(rctx, sumRequest{A: c.a})
		span.End()
		if c.a != -1 && err == nil {
			t.Errorf("%s: call returned no error", c.name)
		}
	}
	flush(t, clientTP, serverTP)
	spans := col.WaitCount(t, len(cases)*5)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := spans.Find(t, c.name)
			tr := spans.Trace(root.TraceID)
			ce, cl, sv, ep := tr.Find(t, "client.Sum"), tr.Find(t, "POST"), tr.Find(t, "POST /sum"), tr.Find(t, "Sum")
			wantStatus(t, ce, c.want.clientEndpoint)
			wantStatus(t, cl, c.want.client)
			wantStatus(t, sv, c.want.server)
			wantStatus(t, ep, c.want.ep)
			wantAttrs(t, ep, map[string]string{"kit.outcome": c.want.outcome})
			wantAttrs(t, sv, map[string]string{"http.response.status_code": c.want.code})
			if c.want.code != "200" {
				wantAttrs(t, cl, map[string]string{"http.response.status_code": c.want.code, "error.type": c.want.code})
			}
			var names []string
			for _, e := range ep.Events {
				names = append(names, e.Name)
			}
			if len(names) != 1 || names[0] != c.want.epEvent {
				t.Errorf("endpoint span events %v, want [%s]", names, c.want.epEvent)
			}
		})
	}
}

// TestHTTPCallerErrorNotServers: a request the server cannot decode is the
// caller's error: 400, the server span's status stays unset while the
// client span is an error.
func TestHTTPCallerErrorNotServers(t *testing.T) {
	tp, rec := memoryProvider(t)
	u := sumServer(t, tp)
	bad := kithttp.NewClient("POST", u,
		func(_ context.Context, r *http.Request, _ any) error {
			r.Header.Set("Content-Type", "application/json")
			r.Body = io.NopCloser(strings.NewReader("{not json"))
			return nil
		},
		kithttp.DecodeJSONResponse[sumResponse], otel.HTTPClientTrace(tp)).Endpoint()
	_, err := bad(context.Background(), nil)
	var re *kithttp.ResponseError
	if !errors.As(err, &re) || re.Code != http.StatusBadRequest {
		t.Fatalf("bad request: err = %v, want a 400 ResponseError", err)
	}
	spans := byName(rec.Ended())
	if s := spans["POST /sum"]; s.Status().Code != codes.Unset {
		t.Errorf("server span status %v, want unset for a 400", s.Status())
	}
	if s := spans["POST"]; s.Status().Code != codes.Error {
		t.Errorf("client span status %v, want error for a 400", s.Status())
	}
	if _, ok := spans["Sum"]; ok {
		t.Errorf("endpoint span started for a request that did not decode")
	}
}

// TestClientFinalizerEndsOnlyItsSpan: when a call fails before the client's
// Before hook ran (here, in the encoder), its Finalizer finds no span of
// its own and leaves the caller's span alone.
func TestClientFinalizerEndsOnlyItsSpan(t *testing.T) {
	tp, rec := memoryProvider(t)
	u := sumServer(t, tp)
	errEncode := errors.New("cannot encode")
	call := kithttp.NewClient("POST", u,
		func(context.Context, *http.Request, any) error { return errEncode },
		kithttp.DecodeJSONResponse[sumResponse], otel.HTTPClientTrace(tp)).Endpoint()
	ctx, parent := tp.Tracer("test").Start(context.Background(), "caller")
	if _, err := call(ctx, nil); !errors.Is(err, errEncode) {
		t.Fatalf("call: err = %v, want the encoder's", err)
	}
	if !parent.IsRecording() {
		t.Errorf("the caller's span was ended by the client's finalizer")
	}
	parent.End()
	if n := len(rec.Ended()); n != 1 {
		t.Errorf("%d spans ended, want only the caller's", n)
	}
}
