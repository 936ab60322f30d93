package otel_test

import (
	"context"
	"errors"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/loadbalancer"
	"github.com/endpointkit/kit/tracing/otel"
)

// TestRetryAttemptSpans: each attempt of a retry is a span under the
// call's, numbered, naming its instance, with its outcome, and parents the
// spans the attempt starts (the transport's client span).
func TestRetryAttemptSpans(t *testing.T) {
	tp, rec := memoryProvider(t)
	tracer := tp.Tracer("test")
	instance := func(fail bool) endpoint.Endpoint {
		return func(ctx context.Context, _ any) (any, error) {
			_, span := tracer.Start(ctx, "client")
			defer span.End()
			if fail {
				return nil, endpoint.WithOutcome(errors.New("down"), endpoint.Outcome{Kind: endpoint.DependencyFailure, Retryable: true})
			}
			return "ok", nil
		}
	}
	e := loadbalancer.RetryWith(loadbalancer.NewRoundRobin(loadbalancer.FixedEndpointer{instance(true), instance(false)}),
		loadbalancer.RetrySettings{BackoffBase: -1, Attempt: otel.RetryAttempts(tp)})
	ctx, root := tracer.Start(context.Background(), "call")
	if _, err := e(ctx, nil); err != nil {
		t.Fatalf("call: %v (the second attempt succeeds)", err)
	}
	root.End()

	var attempts, clients []trace.SpanContext
	byID := map[trace.SpanID]*attribute.Set{}
	for _, s := range rec.Ended() {
		switch s.Name() {
		case "attempt":
			if s.Parent().SpanID() != root.SpanContext().SpanID() {
				t.Errorf("attempt span's parent %v, want the call's span", s.Parent().SpanID())
			}
			attempts = append(attempts, s.SpanContext())
			set := attribute.NewSet(s.Attributes()...)
			byID[s.SpanContext().SpanID()] = &set
			n, _ := byID[s.SpanContext().SpanID()].Value(otel.AttemptKey)
			wantErr := n.AsInt64() == 1
			if (s.Status().Code == codes.Error) != wantErr {
				t.Errorf("attempt %d: status %v, want error=%v", n.AsInt64(), s.Status(), wantErr)
			}
		case "client":
			clients = append(clients, s.Parent())
		}
	}
	if len(attempts) != 2 || len(clients) != 2 {
		t.Fatalf("%d attempt spans and %d client spans, want 2 and 2", len(attempts), len(clients))
	}
	instances := map[string]bool{}
	for i, a := range attempts {
		if clients[i].SpanID() != a.SpanID() {
			t.Errorf("client span %d's parent %v, want attempt span %v", i, clients[i].SpanID(), a.SpanID())
		}
		attrs := byID[a.SpanID()]
		n, _ := attrs.Value(otel.AttemptKey)
		inst, _ := attrs.Value(otel.InstanceKey)
		outcome, _ := attrs.Value(otel.OutcomeKey)
		if n.AsInt64() != int64(i+1) {
			t.Errorf("attempt span %d: kit.retry.attempt %d", i, n.AsInt64())
		}
		instances[inst.AsString()] = true
		want := map[int64]string{1: "dependency_failure", 2: "success"}[n.AsInt64()]
		if outcome.AsString() != want {
			t.Errorf("attempt %d: kit.outcome %q, want %q", n.AsInt64(), outcome.AsString(), want)
		}
	}
	if len(instances) != 2 || instances[""] {
		t.Errorf("instances %v, want two named ones", instances)
	}
	if otel.RetryAttempts(nil) != nil {
		t.Error("RetryAttempts(nil) is not nil")
	}
}
