package static_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/internal/testenv"
	"github.com/endpointkit/kit/loadbalancer"
	"github.com/endpointkit/kit/loadbalancer/static"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func factory(instance string) (endpoint.Endpoint, io.Closer, error) {
	return func(context.Context, any) (any, error) { return instance, nil }, nil, nil
}

func instances(t *testing.T, e loadbalancer.Endpointer) []string {
	t.Helper()
	eps, err := e.Endpoints()
	if err != nil {
		t.Fatalf("Endpoints(): %v", err)
	}
	var out []string
	for _, ep := range eps {
		r, _ := ep(context.Background(), nil)
		out = append(out, r.(string))
	}
	return out
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func TestInstancer(t *testing.T) {
	list := []string{"b:1", "a:1"}
	in := static.NewInstancer(list)
	list[0] = "changed" // the Instancer took a copy
	e := loadbalancer.NewEndpointer(in, factory, nil)
	defer e.Close()
	if got := instances(t, e); !slices.Equal(got, []string{"a:1", "b:1"}) {
		t.Fatalf("initial instances = %v, want [a:1 b:1]", got)
	}
	in.Set([]string{"c:1"})
	waitFor(t, "Set([c:1])", func() bool { return slices.Equal(instances(t, e), []string{"c:1"}) })
	in.Fail(errors.New("config unreadable"))
	in.Set([]string{"c:1"}) // sync point
	if got := instances(t, e); !slices.Equal(got, []string{"c:1"}) {
		t.Errorf("after Fail: instances = %v, want the last good [c:1]", got)
	}
	in.Set(nil)
	waitFor(t, "Set(nil)", func() bool { eps, _ := e.Endpoints(); return len(eps) == 0 })
	in.Stop()
}

func Example() {
	in := static.NewInstancer([]string{"10.0.0.1:8080", "10.0.0.2:8080"})
	e := loadbalancer.NewEndpointer(in, factory, nil)
	defer e.Close()
	b := loadbalancer.NewRoundRobin(e)
	for range 3 {
		ep, _ := b.Endpoint()
		resp, _ := ep(context.Background(), nil)
		fmt.Println(resp)
	}
	// Output:
	// 10.0.0.1:8080
	// 10.0.0.2:8080
	// 10.0.0.1:8080
}
