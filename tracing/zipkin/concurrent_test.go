package zipkin_test

import (
	"context"
	"sync"
	"testing"
)

// TestConcurrentCalls hammers one traced client and server from many
// goroutines (run with -race): every call gets its own four spans.
func TestConcurrentCalls(t *testing.T) {
	tracer, rec := memoryTracer(t)
	call := sumClient(tracer, sumServer(t, tracer))
	const goroutines, calls = 8, 25
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range calls {
				resp, err := call(context.Background(), sumRequest{A: g, B: i})
				if err != nil || resp.(sumResponse).V != g+i {
					t.Errorf("call(%d, %d) = %v, %v", g, i, resp, err)
				}
			}
		})
	}
	wg.Wait()
	spans := rec.Flush()
	if len(spans) != 4*goroutines*calls {
		t.Fatalf("%d spans, want %d", len(spans), 4*goroutines*calls)
	}
	servers := map[string]bool{}
	for _, s := range spans {
		if s.Name == "POST /sum" {
			servers[s.ID.String()] = true
		}
	}
	for _, s := range spans {
		if s.Name == "Sum" && (s.ParentID == nil || !servers[s.ParentID.String()]) {
			t.Errorf("endpoint span's parent %v is no server span", s.ParentID)
		}
	}
}
