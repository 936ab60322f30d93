package consul_test

import (
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/consul/api"

	"github.com/endpointkit/kit/internal/consultest"
	"github.com/endpointkit/kit/internal/testenv"
	"github.com/endpointkit/kit/loadbalancer"
	"github.com/endpointkit/kit/loadbalancer/consul"
	"github.com/endpointkit/kit/log"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func TestNextIndex(t *testing.T) {
	for _, tc := range []struct {
		name             string
		prev, next, want uint64
	}{
		{"first answer", 0, 42, 42},
		{"forward", 42, 43, 43},
		{"unchanged (wait time ended)", 42, 42, 42},
		{"backwards: start again", 42, 7, 0},
		{"zero: never wait on it", 0, 0, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := consul.NextIndex(tc.prev, tc.next); got != tc.want {
				t.Errorf("nextIndex(%d, %d) = %d, want %d", tc.prev, tc.next, got, tc.want)
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	for _, tc := range []struct {
		name     string
		failures int
		full     time.Duration
	}{
		{"first failure", 1, consul.MinBackoff},
		{"doubles", 3, 4 * consul.MinBackoff},
		{"capped", 10, consul.MaxBackoff},
		{"capped without overflow", 1000, consul.MaxBackoff},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for range 100 { // jittered: every draw within [full/2, full]
				if d := consul.Backoff(tc.failures); d < tc.full/2 || d > tc.full {
					t.Fatalf("backoff(%d) = %v, want within [%v, %v]", tc.failures, d, tc.full/2, tc.full)
				}
			}
		})
	}
}

func TestInstancerJoinLeaveAndFailingCheck(t *testing.T) {
	a := consultest.Start(t)
	c := a.Client(t)
	register(t, c, &api.AgentServiceRegistration{ID: "users-a", Name: "users", Address: "10.0.0.1", Port: 80})
	register(t, c, &api.AgentServiceRegistration{ID: "other-x", Name: "other", Address: "10.9.9.9", Port: 80}) // another service: not ours

	in := consul.NewInstancer(c, "users", log.NewNopLogger())
	defer in.Stop()
	w := watch(t, in)
	w.waitFor(t, "the first instance", instances("10.0.0.1:80"))

	// A registration without an address is called at its node's.
	register(t, c, &api.AgentServiceRegistration{ID: "users-b", Name: "users", Port: 81})
	w.waitFor(t, "b joining at the node's address", instances("10.0.0.1:80", "127.0.0.1:81"))

	// An instance whose check fails leaves the set while still registered.
	register(t, c, &api.AgentServiceRegistration{ID: "users-c", Name: "users", Address: "10.0.0.3", Port: 80,
		Check: &api.AgentServiceCheck{CheckID: "users-c-ttl", TTL: "1h", Status: api.HealthPassing}})
	w.waitFor(t, "c joining", instances("10.0.0.1:80", "127.0.0.1:81", "10.0.0.3:80"))
	if err := c.Agent().UpdateTTL("users-c-ttl", "broken", api.HealthCritical); err != nil {
		t.Fatal(err)
	}
	w.waitFor(t, "c leaving on its failing check", instances("10.0.0.1:80", "127.0.0.1:81"))
	if err := c.Agent().UpdateTTL("users-c-ttl", "fixed", api.HealthPassing); err != nil {
		t.Fatal(err)
	}
	w.waitFor(t, "c back once its check passes", instances("10.0.0.1:80", "127.0.0.1:81", "10.0.0.3:80"))

	deregister(t, c, "users-a")
	w.waitFor(t, "a leaving", instances("127.0.0.1:81", "10.0.0.3:80"))

	// An IPv6 address is bracketed.
	register(t, c, &api.AgentServiceRegistration{ID: "v6-a", Name: "v6", Address: "::1", Port: 82})
	in6 := consul.NewInstancer(c, "v6", nil)
	defer in6.Stop()
	watch(t, in6).waitFor(t, "the IPv6 instance", instances("[::1]:82"))

	// Stop cancels the blocking query in flight (it would wait a minute).
	start := time.Now()
	in.Stop()
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Stop took %v with a blocking query in flight; want it prompt", d)
	}
	in.Stop() // idempotent
}

func TestInstancerOptions(t *testing.T) {
	a := consultest.Start(t)
	c := a.Client(t)
	register(t, c, &api.AgentServiceRegistration{ID: "a", Name: "users", Address: "10.0.0.1", Port: 80, Tags: []string{"v1", "blue"}})
	register(t, c, &api.AgentServiceRegistration{ID: "b", Name: "users", Address: "10.0.0.2", Port: 80, Tags: []string{"v2", "blue"}})
	register(t, c, &api.AgentServiceRegistration{ID: "c", Name: "users", Address: "10.0.0.3", Port: 80, Tags: []string{"v1"}})
	all := []string{"10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80"}
	for _, tc := range []struct {
		name    string
		options []consul.InstancerOption
		want    []string // nil: an error
	}{
		{"no options: every instance", nil, all},
		{"one tag", []consul.InstancerOption{consul.InstancerTags("blue")}, []string{"10.0.0.1:80", "10.0.0.2:80"}},
		{"every tag must match", []consul.InstancerOption{consul.InstancerTags("v1", "blue")}, []string{"10.0.0.1:80"}},
		{"no instance has the tag", []consul.InstancerOption{consul.InstancerTags("v3")}, []string{}},
		{"the agent's datacenter", []consul.InstancerOption{consul.InstancerQueryOptions(api.QueryOptions{Datacenter: "dc1", WaitTime: time.Second})}, all},
		{"an unknown datacenter", []consul.InstancerOption{consul.InstancerQueryOptions(api.QueryOptions{Datacenter: "nowhere"})}, nil},
		{"a filter", []consul.InstancerOption{consul.InstancerQueryOptions(api.QueryOptions{Filter: `Service.Address == "10.0.0.2"`})}, []string{"10.0.0.2:80"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := consul.NewInstancer(c, "users", nil, tc.options...)
			defer in.Stop()
			w := watch(t, in)
			if tc.want == nil {
				w.waitFor(t, "an error", func(ev loadbalancer.Event) bool { return ev.Err != nil })
				return
			}
			w.waitFor(t, "the selected instances", instances(tc.want...))
		})
	}
}

// TestInstancerAgentRestart kills the agent: subscribers learn of the error
// and keep the last good set. A new agent on the same ports (which knows
// nothing) comes up: the Registrar registers its instance again, and the
// Instancer, whose index now goes backwards, serves the new set.
func TestInstancerAgentRestart(t *testing.T) {
	a := consultest.Start(t)
	c := a.Client(t)
	r := consul.NewRegistrar(c, consul.Service{Name: "users", Address: "10.0.0.1", Port: 80, TTL: 2 * time.Second}, nil)
	r.Register()
	defer r.Deregister()
	register(t, c, &api.AgentServiceRegistration{ID: "users-b", Name: "users", Address: "10.0.0.2", Port: 80})

	var mu sync.Mutex
	var errs []any
	logger := log.LoggerFunc(func(kv ...any) error {
		mu.Lock()
		defer mu.Unlock()
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i] == "err" {
				errs = append(errs, kv[i+1])
			}
		}
		return nil
	})
	in := consul.NewInstancer(c, "users", logger)
	defer in.Stop()
	e := loadbalancer.NewEndpointer(in, factory, nil)
	defer e.Close()
	w := watch(t, in)
	w.waitFor(t, "both instances", instances("10.0.0.1:80", "10.0.0.2:80"))

	a.Kill()
	ev := w.waitFor(t, "an error", func(ev loadbalancer.Event) bool { return ev.Err != nil })
	if got := slices.Sorted(slices.Values(ev.Instances)); !slices.Equal(got, []string{"10.0.0.1:80", "10.0.0.2:80"}) {
		t.Errorf("error event carries instances %v, want the last good set", got)
	}
	if got := endpoints(e); !slices.Equal(got, []string{"10.0.0.1:80", "10.0.0.2:80"}) {
		t.Errorf("while the agent is down: endpointer serves %v, want the last good set", got)
	}
	mu.Lock()
	if len(errs) == 0 {
		t.Error("the Instancer logged no error while the agent was down")
	}
	mu.Unlock()

	a.Restart(t)
	// Only the Registrar's instance: the new agent forgot b.
	w.waitFor(t, "the registrar's instance on the new agent", instances("10.0.0.1:80"))
	register(t, c, &api.AgentServiceRegistration{ID: "users-b", Name: "users", Address: "10.0.0.2", Port: 80})
	w.waitFor(t, "both instances again", instances("10.0.0.1:80", "10.0.0.2:80"))
}

func TestRegistrar(t *testing.T) {
	a := consultest.Start(t)
	c := a.Client(t)
	in := consul.NewInstancer(c, "users", nil)
	defer in.Stop()
	w := watch(t, in)
	w.waitFor(t, "no instance", instances())

	r := consul.NewRegistrar(c, consul.Service{Name: "users", Address: "127.0.0.1", Port: 8080, Tags: []string{"v1"}, TTL: time.Second}, nil)
	r.Register()
	r.Register() // registered already: nothing happens
	w.waitFor(t, "the registration, passing", instances("127.0.0.1:8080"))

	// The check is kept passing well past its 1s TTL: for 2.5s, no event
	// may take the instance away (this test is about time passing).
	quiet := time.NewTimer(2500 * time.Millisecond)
wait:
	for {
		select {
		case ev := <-w.events:
			if !instances("127.0.0.1:8080")(ev) {
				t.Fatalf("while the registrar renews: event %v, want the instance kept", ev)
			}
		case <-quiet.C:
			break wait
		}
	}
	status, _, err := c.Agent().AgentHealthServiceByID("users-127.0.0.1-8080")
	if err != nil || status != api.HealthPassing {
		t.Errorf("agent health of the registered instance = %q, %v; want passing", status, err)
	}

	r.Deregister()
	w.waitFor(t, "the deregistration", instances())
	services, err := c.Agent().Services()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := services["users-127.0.0.1-8080"]; ok {
		t.Error("the agent still knows the instance after Deregister")
	}
	r.Deregister() // idempotent
}

// TestRegistrarCheckExpiresWhenRenewalStops stops the renewals without
// deregistering, as a crash would: the instance leaves the passing set
// after its TTL, while the agent still knows it (until DeregisterAfter).
func TestRegistrarCheckExpiresWhenRenewalStops(t *testing.T) {
	a := consultest.Start(t)
	c := a.Client(t)
	in := consul.NewInstancer(c, "users", nil)
	defer in.Stop()
	w := watch(t, in)

	r := consul.NewRegistrar(c, consul.Service{ID: "dying", Name: "users", Address: "127.0.0.1", Port: 9999, TTL: time.Second}, nil)
	r.Register()
	w.waitFor(t, "the registration", instances("127.0.0.1:9999"))

	start := time.Now()
	if !consul.StopRenewing(r) {
		t.Fatal("StopRenewing: not registered")
	}
	w.waitFor(t, "the check to expire", instances())
	if d := time.Since(start); d < 500*time.Millisecond {
		t.Errorf("instance gone %v after renewals stopped; want about the 1s TTL", d)
	}
	status, svc, err := c.Agent().AgentHealthServiceByID("dying")
	if err != nil || svc == nil || status != api.HealthCritical {
		t.Errorf("agent health of the abandoned instance = %q, %v, %v; want it registered and critical", status, svc, err)
	}
	r.Deregister() // not registered any more: nothing happens
}

// TestUnreachableAgent needs no agent: nothing listens at the address.
// The Instancer reports the error (and keeps retrying until Stop); the
// Registrar logs its failed registrations; both stop promptly.
func TestUnreachableAgent(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	c, err := api.NewClient(&api.Config{Address: addr})
	if err != nil {
		t.Fatal(err)
	}

	in := consul.NewInstancer(c, "users", nil)
	w := watch(t, in)
	ev := w.waitFor(t, "an error", func(ev loadbalancer.Event) bool { return ev.Err != nil })
	if !strings.HasPrefix(ev.Err.Error(), "consul: users: ") {
		t.Errorf("error %q, want it to start with %q", ev.Err, "consul: users: ")
	}
	start := time.Now()
	in.Stop()
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Stop took %v, want it prompt", d)
	}

	logged := make(chan string, 16)
	logger := log.LoggerFunc(func(kv ...any) error {
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i] == "err" {
				select {
				case logged <- fmt.Sprintln(kv...):
				default:
				}
			}
		}
		return nil
	})
	r := consul.NewRegistrar(c, consul.Service{Name: "users", Port: 80}, logger)
	r.Register()
	select {
	case line := <-logged:
		if !strings.Contains(line, "action register err") {
			t.Errorf("registrar logged %q, want a failed register", line)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("registrar logged no error within 15s with no agent")
	}
	start = time.Now()
	r.Deregister()
	if d := time.Since(start); d > 6*time.Second {
		t.Errorf("Deregister took %v with no agent, want at most its 5s bound", d)
	}
}
