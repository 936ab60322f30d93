package loadbalancer_test

import (
	"context"
	"testing"
	"testing/synctest"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// inBubble runs f in a testing/synctest bubble, for t.Run: the balancers
// and outlier ejection read the clock themselves, and in a bubble time
// stands still until every goroutine of the bubble is blocked, while
// time.Sleep moves it by exactly its argument at once.
func inBubble(f func(t *testing.T)) func(t *testing.T) {
	return func(t *testing.T) { synctest.Test(t, f) }
}

// named returns an endpoint that answers its name.
func named(name string) endpoint.Endpoint {
	return func(context.Context, any) (any, error) { return name, nil }
}

func call(t *testing.T, e endpoint.Endpoint) string {
	t.Helper()
	resp, err := e(context.Background(), nil)
	if err != nil {
		t.Fatalf("call: %v", err)
	}
	s, _ := resp.(string)
	return s
}
