package otel_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"go.opentelemetry.io/otel/codes"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/tracing/otel"
	kithttp "github.com/endpointkit/kit/transport/http"
)

// TestEndpointOutcomes: the endpoint span's status and kit.outcome for each
// kind of kit's failure model, with the default ErrorWhen and with one that
// marks every failure.
func TestEndpointOutcomes(t *testing.T) {
	cases := []struct {
		name    string
		ep      endpoint.Endpoint
		ctx     func() (context.Context, context.CancelFunc)
		outcome string
		errored bool // with the default ErrorWhen
	}{
		{"success", nop, background, "success", false},
		{"business error", func(context.Context, any) (any, error) { return sumResponse{Err: "no"}, nil }, background, "business_error", false},
		{"dependency failure", func(context.Context, any) (any, error) { return nil, errBackend }, background, "dependency_failure", true},
		{"overload", func(context.Context, any) (any, error) {
			return nil, endpoint.WithOutcome(errors.New("busy"), endpoint.Outcome{Kind: endpoint.Overloaded})
		}, background, "overloaded", true},
		{"caller cancelled", waitDone, cancelled, "caller_error", false},
		{"own timeout", waitDone, func() (context.Context, context.CancelFunc) {
			return endpoint.WithTimeout(context.Background(), time.Millisecond)
		}, "dependency_failure", true},
	}
	all := otel.ErrorWhen(func(o endpoint.Outcome) bool { return o.Kind != endpoint.Success })
	for _, c := range cases {
		for _, opts := range [][]otel.Option{nil, {all}} {
			name := c.name
			if opts != nil {
				name += "/ErrorWhen(any failure)"
			}
			t.Run(name, func(t *testing.T) {
				tp, rec := memoryProvider(t)
				ctx, cancel := c.ctx()
				defer cancel()
				_, _ = otel.TraceEndpoint(tp, "ep", opts...)(c.ep)(ctx, nil)
				s := rec.Ended()[0]
				var outcome string
				for _, kv := range s.Attributes() {
					if kv.Key == otel.OutcomeKey {
						outcome = kv.Value.AsString()
					}
				}
				if outcome != c.outcome {
					t.Errorf("kit.outcome = %q, want %q", outcome, c.outcome)
				}
				want := c.errored || (opts != nil && c.outcome != "success")
				if got := s.Status().Code == codes.Error; got != want {
					t.Errorf("status %v, want error = %v", s.Status(), want)
				}
			})
		}
	}
}

func background() (context.Context, context.CancelFunc) {
	return context.WithCancel(context.Background())
}

func cancelled() (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx, func() {}
}

func waitDone(ctx context.Context, _ any) (any, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

// TestClientSpanCallerGaveUp: a client call that ends because its own
// caller cancelled is recorded on the client span but not marked an error;
// a call the server fails is.
func TestClientSpanCallerGaveUp(t *testing.T) {
	tp, rec := memoryProvider(t)
	arrived := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Wait") != "" { // until the caller gives up
			arrived <- struct{}{}
			<-r.Context().Done()
			return
		}
		w.WriteHeader(http.StatusBadGateway)
	}))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	client := func(wait bool) endpoint.Endpoint {
		return kithttp.NewClient("GET", u, func(_ context.Context, r *http.Request, _ any) error {
			if wait {
				r.Header.Set("X-Wait", "1")
			}
			return nil
		}, kithttp.DecodeJSONResponse[sumResponse], otel.HTTPClientTrace(tp)).Endpoint()
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := client(true)(ctx, nil); done <- err }()
	<-arrived
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled call: err = %v, want context.Canceled", err)
	}
	if _, err := client(false)(context.Background(), nil); err == nil {
		t.Fatalf("call answered 502: no error")
	}
	spans := rec.Ended()
	if len(spans) != 2 {
		t.Fatalf("%d client spans, want 2", len(spans))
	}
	if s := spans[0]; s.Status().Code == codes.Error || len(s.Events()) == 0 {
		t.Errorf("cancelled call's span: status %v, %d events; want unset with the error recorded", s.Status(), len(s.Events()))
	}
	if s := spans[1]; s.Status().Code != codes.Error {
		t.Errorf("502 call's span: status %v, want error", s.Status())
	}
}
