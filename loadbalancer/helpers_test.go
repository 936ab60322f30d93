package loadbalancer_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// clock is a manual clock for settings' Now fields.
type clock struct {
	mu sync.Mutex // guards t
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
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
