package zipkin_test

import (
	"context"
	"errors"
	"testing"

	"github.com/openzipkin/zipkin-go"
	"github.com/openzipkin/zipkin-go/model"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/loadbalancer"
	kitzipkin "github.com/endpointkit/kit/tracing/zipkin"
)

// TestRetryAttemptSpans: each attempt of a retry is a span under the
// call's, tagged with its number, instance and outcome, and parents the
// spans the attempt starts.
func TestRetryAttemptSpans(t *testing.T) {
	tracer, rec := memoryTracer(t)
	instance := func(fail bool) endpoint.Endpoint {
		return func(ctx context.Context, _ any) (any, error) {
			span, _ := tracer.StartSpanFromContext(ctx, "client")
			defer span.Finish()
			if fail {
				return nil, endpoint.WithOutcome(errors.New("down"), endpoint.Outcome{Kind: endpoint.DependencyFailure, Retryable: true})
			}
			return "ok", nil
		}
	}
	e := loadbalancer.RetryWith(loadbalancer.NewRoundRobin(loadbalancer.FixedEndpointer{instance(true), instance(false)}),
		loadbalancer.RetrySettings{BackoffBase: -1, Attempt: kitzipkin.RetryAttempts(tracer)})
	root := tracer.StartSpan("call")
	if _, err := e(zipkin.NewContext(context.Background(), root), nil); err != nil {
		t.Fatalf("call: %v (the second attempt succeeds)", err)
	}
	root.Finish()

	var attempts []model.SpanModel
	clientParents := map[model.ID]bool{}
	for _, s := range rec.Flush() {
		switch s.Name {
		case "attempt":
			attempts = append(attempts, s)
		case "client":
			clientParents[*s.ParentID] = true
		}
	}
	if len(attempts) != 2 || len(clientParents) != 2 {
		t.Fatalf("%d attempt spans, client spans under %d parents; want 2 and 2", len(attempts), len(clientParents))
	}
	instances := map[string]bool{}
	for _, a := range attempts {
		if a.ParentID == nil || *a.ParentID != root.Context().ID {
			t.Errorf("attempt span's parent %v, want the call's span", a.ParentID)
		}
		if !clientParents[a.ID] {
			t.Errorf("attempt span %v parents no client span", a.ID)
		}
		instances[a.Tags[kitzipkin.TagInstance]] = true
		n := a.Tags[kitzipkin.TagAttempt]
		want := map[string]string{"1": "dependency_failure", "2": "success"}[n]
		if want == "" || a.Tags[kitzipkin.TagOutcome] != want {
			t.Errorf("attempt %q: kit.outcome %q, want %q", n, a.Tags[kitzipkin.TagOutcome], want)
		}
		if _, isErr := a.Tags["error"]; isErr != (n == "1") {
			t.Errorf("attempt %q: error tag present %v", n, isErr)
		}
	}
	if len(instances) != 2 || instances[""] {
		t.Errorf("instances %v, want two named ones", instances)
	}
	if kitzipkin.RetryAttempts(nil) != nil {
		t.Error("RetryAttempts(nil) is not nil")
	}
}
